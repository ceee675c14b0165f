import type { Request, Response } from "express";
import { AppError } from "../../core/errors.js";

/**
 * Sends a buffer, honouring a single byte range: Safari asks for ranges before it plays an <audio>
 * element. Several ranges at once, or a header that cannot be parsed, get the whole body, as RFC 9110
 * allows; a range past the end is a 416.
 */
export function sendBytes(req: Request, res: Response, bytes: Buffer, mime: string): void {
  res.setHeader("Accept-Ranges", "bytes");
  const ranges = req.range(bytes.length, { combine: true });
  if (ranges === -1) {
    res.setHeader("Content-Range", `bytes */${bytes.length}`);
    throw new AppError(416, "range_not_satisfiable", `The requested range is outside the ${bytes.length} bytes of this audio`);
  }
  res.type(mime); // only now: an error answer is JSON
  if (Array.isArray(ranges) && ranges.type === "bytes" && ranges.length === 1) {
    const { start, end } = ranges[0]!;
    res.status(206).setHeader("Content-Range", `bytes ${start}-${end}/${bytes.length}`);
    res.send(bytes.subarray(start, end + 1));
    return;
  }
  res.send(bytes);
}
