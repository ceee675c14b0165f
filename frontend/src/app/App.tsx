import { domAnimation, LazyMotion, MotionConfig } from "framer-motion";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { AccountGate } from "../account/AccountGate";
import { AccountMenu } from "../account/AccountMenu";
import { AccountProvider } from "../account/use-account";
import { ChatPage } from "../chat/ChatPage";
import { CompanionButton } from "../companion/CompanionButton";
import { MemoryPanel } from "../memories/MemoryPanel";
import { ApiKeysDialog } from "../account/ApiKeysDialog";
import { VoicePage } from "../voice/VoicePage";
import { KeyboardIcon, MemoryIcon, MicIcon, RoseMark } from "./icons";
import { Link, usePath } from "./router";

/** `fitsScreen`: the page is exactly one screen tall and scrolls inside (the chat log), never the window. */
const PAGES: Record<string, { title: string; render: () => ReactNode; fitsScreen?: boolean }> = {
  "/": { title: "Talk with Rose", render: () => <VoicePage /> },
  "/chat": { title: "Write to Rose", render: () => <ChatPage />, fitsScreen: true },
};

export function App() {
  const path = usePath();
  const [memoriesOpen, setMemoriesOpen] = useState(false);
  const page = PAGES[path.replace(/\/+$/, "") || "/"];
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(path);

  useEffect(() => {
    document.title = page ? `${page.title} · Rose` : "Not found · Rose";
    // After moving between pages (not on first load), put keyboard and screen-reader focus on the new page.
    if (path !== firstPath.current) main.current?.focus();
    firstPath.current = "";
  }, [path, page]);

  return (
    // "user": animations follow the person's prefers-reduced-motion setting. LazyMotion with the DOM
    // animation features only (no drag or layout animation) keeps the motion library a small part of the page.
    <LazyMotion features={domAnimation} strict>
      <MotionConfig reducedMotion="user">
        <AccountProvider>
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <div className={page?.fitsScreen ? "app app-fits-screen" : "app"}>
            <header className="topbar">
              <Link href="/" className="brand" aria-label="Rose, home">
                <RoseMark className="brand-mark" />
                <span className="brand-name">Rose</span>
              </Link>
              <nav className="nav" aria-label="Ways to talk with Rose">
                <Link href="/" className="nav-link" aria-current={path === "/" ? "page" : undefined}>
                  <MicIcon /> <span>Talk</span>
                </Link>
                <Link href="/chat" className="nav-link" aria-current={path === "/chat" ? "page" : undefined}>
                  <KeyboardIcon /> <span>Write</span>
                </Link>
              </nav>
              <AccountGate whenLocked={null}>
                <CompanionButton />
                <button type="button" className="memories-button" onClick={() => setMemoriesOpen(true)} aria-haspopup="dialog">
                  <MemoryIcon />
                  <span className="memories-button-long">What Rose remembers</span>
                  <span className="memories-button-short">Memories</span>
                </button>
              </AccountGate>
              <AccountMenu ApiKeysDialog={ApiKeysDialog} />
            </header>
            <main id="main" ref={main} tabIndex={-1} className="main">
              <AccountGate>{page ? page.render() : <NotFound />}</AccountGate>
            </main>
          </div>
          <AccountGate whenLocked={null}>
            <MemoryPanel open={memoriesOpen} onClose={() => setMemoriesOpen(false)} />
          </AccountGate>
        </AccountProvider>
      </MotionConfig>
    </LazyMotion>
  );
}

function NotFound() {
  return (
    <section className="page not-found" aria-labelledby="nf-title">
      <RoseMark className="chat-empty-mark" />
      <h1 id="nf-title" className="page-title">
        This page isn't here
      </h1>
      <p>
        You can <Link href="/">talk with Rose</Link> or <Link href="/chat">write to her</Link>.
      </p>
    </section>
  );
}
