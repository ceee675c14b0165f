import { crc32 } from "node:zlib";

/**
 * Reads the card a community character PNG carries: a `tEXt` chunk keyed `ccv3` (V3) or `chara` (V2)
 * whose text is the card's JSON in base64. Only the chunk layout is read (no pixels are decoded), every
 * chunk's length and CRC is checked, and the walk is bounded, so a malformed or hostile file is refused
 * with a reason instead of being trusted. Reading chunks is twenty lines on node:zlib's crc32; an image
 * library would decode pixels Rose never looks at.
 */
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX_CHUNKS = 10_000;

export class PngCardError extends Error {
  override name = "PngCardError";
}

export function isPng(bytes: Buffer): boolean {
  return bytes.length >= SIGNATURE.length && bytes.subarray(0, SIGNATURE.length).equals(SIGNATURE);
}

/** The `tEXt` chunks of a PNG, keyword → text (latin-1, as the PNG spec defines tEXt). */
export function pngTextChunks(bytes: Buffer): Map<string, string> {
  if (!isPng(bytes)) throw new PngCardError("the file is not a PNG image");
  const texts = new Map<string, string>();
  let offset = SIGNATURE.length;
  for (let count = 0; ; count++) {
    if (count > MAX_CHUNKS) throw new PngCardError("the PNG has too many chunks");
    if (offset + 12 > bytes.length) throw new PngCardError("the PNG is truncated (no IEND chunk)");
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("latin1", offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (!/^[A-Za-z]{4}$/.test(type) || end > bytes.length) throw new PngCardError("the PNG is malformed (a chunk runs past the end of the file)");
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== bytes.readUInt32BE(offset + 8 + length))
      throw new PngCardError(`the PNG is corrupt (the ${type} chunk fails its checksum)`);
    if (count === 0 && type !== "IHDR") throw new PngCardError("the PNG is malformed (it does not start with IHDR)");
    if (type === "tEXt") {
      const separator = body.indexOf(0);
      if (separator > 0) texts.set(body.toString("latin1", 0, separator), body.toString("latin1", separator + 1));
    }
    if (type === "IEND") break;
    offset = end;
  }
  return texts;
}

/** The card JSON embedded in a PNG: V3 (`ccv3`) preferred over V2 (`chara`) when both are there. */
export function cardFromPng(bytes: Buffer): unknown {
  const texts = pngTextChunks(bytes);
  const encoded = texts.get("ccv3") ?? texts.get("chara");
  if (encoded === undefined) throw new PngCardError('the PNG carries no character card (no tEXt chunk named "ccv3" or "chara")');
  const compact = encoded.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new PngCardError("the card in the PNG is not base64");
  try {
    return JSON.parse(Buffer.from(compact, "base64").toString("utf8"));
  } catch {
    throw new PngCardError("the card in the PNG is not valid JSON");
  }
}
