import Markdown, { type Components } from "react-markdown";
import rehypeSanitize from "rehype-sanitize";
import remarkGfm from "remark-gfm";

// Links leave the conversation in a new tab, and tell the page they lead to nothing about it.
const COMPONENTS: Components = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
};

/**
 * A message's words with its Markdown (bold, lists, code, links) shown as such, on both sides. The model
 * writes Markdown, never HTML for the page: react-markdown builds React elements rather than parsing HTML
 * (HTML in the text stays text), and rehype-sanitize (GitHub's allow-list) drops any element, attribute
 * or link scheme (javascript:) outside it, so nothing the model or the person writes can run in the page.
 */
export function MessageText({ text }: { text: string }) {
  return (
    <div className="bubble-text">
      <Markdown remarkPlugins={[remarkGfm]} rehypePlugins={[rehypeSanitize]} components={COMPONENTS}>
        {text}
      </Markdown>
    </div>
  );
}
