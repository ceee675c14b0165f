import { useCallback, useEffect, useRef, useState } from "react";

/** What the server accepts (it checks the bytes; this only saves a round trip for the obvious cases). */
export const ATTACHABLE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];
export const MAX_ATTACHMENTS = 4;
/** Matches the server's MAX_IMAGE_MB default; the server has the last word either way. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export interface Attachment {
  key: string;
  file: File;
  /** An object URL of the file, for the preview; revoked when the attachment goes. */
  preview: string;
}

let nextKey = 0;

/** Why a file cannot be attached, in the person's words; null when it can. */
export function attachmentProblem(file: File): string | null {
  if (/hei[cf]$/i.test(file.type) || /\.(heic|heif)$/i.test(file.name))
    return `${file.name || "This photo"} is a HEIC photo, which Rose can't open yet: export it as JPEG and attach it again.`;
  if (!ATTACHABLE_TYPES.includes(file.type)) return `${file.name || "This file"} isn't a picture Rose can open: attach a JPEG, PNG, WebP or GIF.`;
  if (file.size > MAX_ATTACHMENT_BYTES) return `${file.name || "This picture"} is larger than 10 MB: please attach a smaller one.`;
  return null;
}

/** The pictures waiting in the composer: added by picking, pasting or dropping, at most MAX_ATTACHMENTS. */
export function useAttachments() {
  const [attachments, setAttachments] = useState<Attachment[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const current = useRef(attachments);
  current.current = attachments;

  useEffect(() => () => current.current.forEach((a) => URL.revokeObjectURL(a.preview)), []);

  const add = useCallback((files: Iterable<File>) => {
    const problems: string[] = [];
    const accepted: Attachment[] = [];
    for (const file of files) {
      const why = attachmentProblem(file);
      if (why) problems.push(why);
      else if (current.current.length + accepted.length >= MAX_ATTACHMENTS) {
        problems.push(`A message can carry at most ${MAX_ATTACHMENTS} pictures.`);
        break;
      } else accepted.push({ key: `attachment-${nextKey++}`, file, preview: URL.createObjectURL(file) });
    }
    setProblem(problems[0] ?? null);
    if (accepted.length > 0) setAttachments((list) => [...list, ...accepted]);
  }, []);

  const remove = useCallback((key: string) => {
    setProblem(null);
    setAttachments((list) => {
      const gone = list.find((a) => a.key === key);
      if (gone) URL.revokeObjectURL(gone.preview);
      return list.filter((a) => a.key !== key);
    });
  }, []);

  /** Hands the pictures over (on send): their previews stay valid, the sent message shows them until the server's copies arrive. */
  const take = useCallback((): Attachment[] => {
    const taken = current.current;
    current.current = [];
    setAttachments([]);
    setProblem(null);
    return taken;
  }, []);

  return { attachments, problem, add, remove, take };
}
