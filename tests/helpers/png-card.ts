import { crc32, deflateSync } from "node:zlib";

/**
 * A real PNG built byte by byte (signature, IHDR, IDAT, tEXt chunks, IEND, each with its CRC), so card
 * import tests upload the same kind of file SillyTavern exports: a 1x1 image carrying the card.
 */
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

export function pngWithText(texts: Record<string, string>): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const pixels = deflateSync(Buffer.from([0, 200, 120, 140, 255])); // one filter byte, one pixel
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    ...Object.entries(texts).map(([key, value]) => chunk("tEXt", Buffer.concat([Buffer.from(key, "latin1"), Buffer.from([0]), Buffer.from(value, "latin1")]))),
    chunk("IDAT", pixels),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A card embedded the way V2 (`chara`) and V3 (`ccv3`) PNGs carry it: base64 of the JSON. */
export const embedded = (card: unknown) => Buffer.from(JSON.stringify(card), "utf8").toString("base64");

export function v2Card(data: Record<string, unknown> = {}) {
  return {
    spec: "chara_card_v2",
    spec_version: "2.0",
    data: {
      name: "Marlow",
      description: "{{char}} is a retired sea captain who tells long stories to {{user}}.",
      personality: "gruff, kind",
      scenario: "A harbour tavern on a stormy night.",
      first_mes: "Ahoy, {{user}}! Sit, the fire's warm.",
      mes_example: "<START>\n{{user}}: Tell me a story.\n{{char}}: Once, off Cape Horn...",
      creator_notes: "",
      system_prompt: "",
      post_history_instructions: "",
      alternate_greetings: ["Back again, sailor?"],
      tags: ["sailor", "storyteller"],
      creator: "someone",
      character_version: "1.0",
      extensions: { talkativeness: 0.6, depth_prompt: { prompt: "x", depth: 4 } },
      ...data,
    },
  };
}

export function v3Card(data: Record<string, unknown> = {}) {
  return {
    spec: "chara_card_v3",
    spec_version: "3.0",
    data: {
      ...v2Card().data,
      name: "Juniper",
      description: "{{char}} is a botanist who talks to plants.",
      first_mes: "Oh! Hello, {{user}}. Mind the ferns.",
      alternate_greetings: [],
      group_only_greetings: [],
      nickname: "June",
      creation_date: 1700000000,
      assets: [{ type: "icon", uri: "ccdefault:", name: "main", ext: "png" }],
      ...data,
    },
  };
}
