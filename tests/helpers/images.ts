import { crc32 } from "node:zlib";
import sharp from "sharp";

/** Real picture bytes for tests, made with sharp (and, for the hostile ones, by hand). */

/** A JPEG carrying EXIF: a description that says where it was taken, and GPS coordinates (IFD3 is the GPS directory). */
export async function jpegWithGps(marker = "taken-at-rua-das-flores-12"): Promise<Buffer> {
  return sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 80, b: 90 } } })
    .jpeg()
    .withExif({
      IFD0: { ImageDescription: marker, Make: "RoseTestCam" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "38/1 42/1 0/1", GPSLongitudeRef: "W", GPSLongitude: "9/1 8/1 0/1" },
    })
    .toBuffer();
}

export async function png(width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 20, g: 120, b: 200, alpha: 1 } } })
    .png()
    .toBuffer();
}

/** An animated GIF of `frames` frames, each `size`×`size`. */
export async function animatedGif(frames: number, size = 16): Promise<Buffer> {
  const frame = (i: number) =>
    sharp({ create: { width: size, height: size, channels: 3, background: { r: (i * 40) % 255, g: 10, b: 10 } } })
      .png()
      .toBuffer();
  const pages = await Promise.all(Array.from({ length: frames }, (_, i) => frame(i)));
  return sharp(pages, { join: { animated: true } })
    .gif()
    .toBuffer();
}

/**
 * A decompression bomb: a tiny real PNG whose header is rewritten to declare `width`×`height` pixels (the
 * IHDR chunk's CRC recomputed so decoders believe it). A few hundred bytes that would decode to gigabytes.
 */
export async function pngBomb(width = 60_000, height = 60_000): Promise<Buffer> {
  const bytes = Buffer.from(await png(8, 8));
  // Signature (8 bytes), then IHDR: length (4), type (4), width (4), height (4), ... CRC over type+data.
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  const ihdrLength = bytes.readUInt32BE(8);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 16 + ihdrLength)) >>> 0, 16 + ihdrLength);
  return bytes;
}

/** The first bytes of an iPhone photo: an ISO-BMFF `ftyp` box of brand heic (enough for type recognition). */
export function heicHeader(): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write("ftyp", 4, "latin1");
  ftyp.write("heic", 8, "latin1");
  ftyp.writeUInt32BE(0, 12);
  ftyp.write("mif1", 16, "latin1");
  ftyp.write("heic", 20, "latin1");
  return Buffer.concat([ftyp, Buffer.alloc(512, 7)]);
}

/** A multipart chat turn: text fields and pictures in the `images` field. */
export function chatForm(fields: Record<string, string>, images: Array<{ bytes: Buffer; name?: string; type?: string }>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const [i, image] of images.entries())
    form.append("images", new Blob([new Uint8Array(image.bytes)], { type: image.type ?? "image/jpeg" }), image.name ?? `picture-${i}.jpg`);
  return form;
}
