/**
 * Just enough multipart/form-data parsing for transcription uploads. The SDKs build the body with
 * fetch's FormData, so a buffered split on the boundary is all that is needed; no streaming.
 */

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export class MultipartError extends Error {
  override name = "MultipartError";
}

function boundaryOf(contentType: string): string {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!/^multipart\/form-data/i.test(contentType) || !boundary) throw new MultipartError("expected a multipart/form-data body with a boundary");
  return boundary;
}

function parseDisposition(headerBlock: string): { name?: string; filename?: string; contentType?: string } {
  const out: { name?: string; filename?: string; contentType?: string } = {};
  for (const line of headerBlock.split("\r\n")) {
    const [rawKey, ...rest] = line.split(":");
    const key = rawKey?.trim().toLowerCase();
    const value = rest.join(":").trim();
    if (key === "content-type") out.contentType = value;
    if (key !== "content-disposition") continue;
    const name = /(?:^|;)\s*name="((?:[^"\\]|\\.)*)"/i.exec(value);
    const filename = /(?:^|;)\s*filename="((?:[^"\\]|\\.)*)"/i.exec(value);
    if (name) out.name = name[1];
    if (filename) out.filename = filename[1];
  }
  return out;
}

export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const parts: MultipartPart[] = [];
  let cursor = body.indexOf(delimiter);
  if (cursor < 0) throw new MultipartError("multipart boundary not found in body");

  while (cursor >= 0) {
    const afterDelimiter = cursor + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === "--") break; // closing delimiter
    const headersStart = afterDelimiter + 2; // skip CRLF
    const headersEnd = body.indexOf("\r\n\r\n", headersStart);
    if (headersEnd < 0) throw new MultipartError("malformed multipart part headers");
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd + 4);
    if (next < 0) throw new MultipartError("multipart body is missing its closing boundary");

    const meta = parseDisposition(body.subarray(headersStart, headersEnd).toString("utf8"));
    if (meta.name !== undefined) {
      parts.push({ name: meta.name, filename: meta.filename, contentType: meta.contentType, data: body.subarray(headersEnd + 4, next) });
    }
    cursor = next + 2;
  }
  return parts;
}
