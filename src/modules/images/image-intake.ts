import { fileTypeFromBuffer } from "file-type";
import sharp, { type Metadata } from "sharp";
import { AppError, payloadTooLarge, unsupportedMediaType } from "../../core/errors.js";

/** The picture formats Rose takes in and hands out: what browsers show and vision models accept. */
export const ACCEPTED_IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"] as const;
export type ImageMime = (typeof ACCEPTED_IMAGE_TYPES)[number];

export interface ImageLimits {
  /** Bytes of one uploaded file. */
  maxBytes: number;
  /** Width × height of one frame, read from the header before anything is decoded. */
  maxPixels: number;
  /** Frames of an animated GIF or WebP. */
  maxFrames: number;
}

/** A picture ready to store: re-encoded, so no EXIF (GPS, camera serial), XMP or comments survive. */
export interface CleanImage {
  mime: ImageMime;
  bytes: Buffer;
  width: number;
  height: number;
}

const HEIF_TYPES = new Set(["image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence", "image/avif"]);

const isAccepted = (mime: string): mime is ImageMime => (ACCEPTED_IMAGE_TYPES as readonly string[]).includes(mime);

/**
 * The type is read from the bytes (magic numbers, via file-type), never from the file name or the
 * Content-Type a client claims: a script renamed to cat.png is refused here.
 */
export async function recogniseImage(bytes: Buffer): Promise<ImageMime> {
  const type = await fileTypeFromBuffer(bytes);
  if (type && HEIF_TYPES.has(type.mime))
    throw unsupportedMediaType(
      "HEIC/HEIF pictures (the iPhone's default) are not supported yet: export the photo as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible) and attach it again",
    );
  if (!type || !isAccepted(type.mime)) throw unsupportedMediaType("This file is not a picture Rose can open: attach a JPEG, PNG, WebP or GIF image");
  return type.mime;
}

/**
 * Checks a person's picture and returns a clean copy of it. In order, so nothing big is decoded before
 * it is known to be safe: size, type (from the bytes), dimensions and frame count (from the header
 * alone; a tiny file can declare gigapixels, a decompression bomb), then decoding under sharp's own
 * pixel limit, turning it upright (EXIF orientation) and re-encoding it without any metadata.
 */
export async function cleanImage(bytes: Buffer, limits: ImageLimits): Promise<CleanImage> {
  if (bytes.length > limits.maxBytes) throw payloadTooLarge(`A picture may be at most ${Math.floor(limits.maxBytes / (1024 * 1024))} MB`);
  const mime = await recogniseImage(bytes);
  const animated = mime === "image/gif" || mime === "image/webp";
  let header: Metadata;
  try {
    header = await sharp(bytes, { limitInputPixels: false, animated }).metadata();
  } catch {
    throw unreadable();
  }
  const frameHeight = header.pageHeight ?? header.height;
  if (!header.width || !frameHeight) throw unreadable();
  if (header.width * frameHeight > limits.maxPixels)
    throw payloadTooLarge(
      `This picture is too large to open (${header.width}×${frameHeight} pixels): at most ${Math.round(limits.maxPixels / 1_000_000)} megapixels, please send a smaller one`,
    );
  const frames = header.pages ?? 1;
  if (frames > limits.maxFrames)
    throw payloadTooLarge(`This animation has ${frames} frames, more than the ${limits.maxFrames} Rose accepts: send a shorter one or a still picture`);
  // An animation is decoded as one tall image: all its frames together count against the same pixel budget.
  if (frames > 1 && header.width * frameHeight * frames > limits.maxPixels)
    throw payloadTooLarge(
      `This animation is too large to open (${frames} frames of ${header.width}×${frameHeight} pixels): send a shorter or smaller one, or a still picture`,
    );
  try {
    const pipeline = sharp(bytes, { limitInputPixels: limits.maxPixels, animated, failOn: "error" }).rotate();
    const encoded =
      mime === "image/jpeg"
        ? pipeline.jpeg({ quality: 88, mozjpeg: true })
        : mime === "image/png"
          ? pipeline.png()
          : mime === "image/webp"
            ? pipeline.webp({ quality: 88 })
            : pipeline.gif();
    // sharp writes no metadata unless asked (withMetadata/withExif): the output carries pixels only.
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { mime, bytes: data, width: info.width, height: info.pageHeight ?? info.height };
  } catch {
    throw unreadable();
  }
}

const unreadable = () => new AppError(400, "unreadable_image", "This picture could not be read (it may be damaged or cut short): please attach it again");
