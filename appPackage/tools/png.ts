import { crc32, deflateSync, inflateSync } from 'node:zlib';

/**
 * Just enough PNG for the app package's icons: the chunk list (each chunk's CRC checked), the
 * IHDR header, and the pixels of 8-bit non-interlaced images with an alpha channel (colour types
 * 4 and 6), which is what the outline icon check needs.
 */

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA */
  colorType: number;
  interlace: number;
}

interface Chunk {
  type: string;
  data: Buffer;
}

function chunks(png: Buffer): Chunk[] {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG (bad signature)');
  const out: Chunk[] = [];
  let p = 8;
  while (p < png.length) {
    if (p + 12 > png.length) throw new Error('truncated PNG chunk');
    const length = png.readUInt32BE(p);
    const type = png.subarray(p + 4, p + 8).toString('latin1');
    if (p + 12 + length > png.length) throw new Error(`truncated PNG chunk ${type}`);
    const data = png.subarray(p + 8, p + 8 + length);
    if ((crc32(png.subarray(p + 4, p + 8 + length)) >>> 0) !== png.readUInt32BE(p + 8 + length)) throw new Error(`PNG chunk ${type} has a bad CRC`);
    out.push({ type, data });
    p += 12 + length;
    if (type === 'IEND') break;
  }
  if (out[0]?.type !== 'IHDR' || out[0].data.length !== 13) throw new Error('PNG does not start with an IHDR chunk');
  if (out.at(-1)?.type !== 'IEND') throw new Error('PNG has no IEND chunk');
  return out;
}

/** The IHDR header, after checking the signature and every chunk's CRC. */
export function readPngHeader(png: Buffer): PngHeader {
  const ihdr = chunks(png)[0]!.data;
  return { width: ihdr.readUInt32BE(0), height: ihdr.readUInt32BE(4), bitDepth: ihdr[8]!, colorType: ihdr[9]!, interlace: ihdr[12]! };
}

export const hasAlpha = (h: PngHeader): boolean => h.colorType === 4 || h.colorType === 6;

/** RGBA pixels (4 bytes each, row by row) of an 8-bit non-interlaced grey+alpha or RGBA PNG. */
export function decodeRgba(png: Buffer): { header: PngHeader; rgba: Buffer } {
  const all = chunks(png);
  const header = readPngHeader(png);
  if (!hasAlpha(header) || header.bitDepth !== 8 || header.interlace !== 0) {
    throw new Error(`cannot read the pixels of this PNG (colour type ${header.colorType}, ${header.bitDepth}-bit, interlace ${header.interlace}); save it as 8-bit RGBA, not interlaced`);
  }
  const channels = header.colorType === 6 ? 4 : 2;
  const stride = header.width * channels;
  const raw = inflateSync(Buffer.concat(all.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  if (raw.length < (stride + 1) * header.height) throw new Error('PNG image data is shorter than its size says');
  const px = Buffer.alloc(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = px.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? px.subarray((y - 1) * stride, y * stride) : Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels]! : 0;
      const b = up[i]!;
      const c = i >= channels ? up[i - channels]! : 0;
      let pred: number;
      if (filter === 0) pred = 0;
      else if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`PNG row ${y} has unknown filter ${filter}`);
      row[i] = (src[i]! + pred) & 0xff;
    }
  }
  if (channels === 4) return { header, rgba: px };
  const rgba = Buffer.alloc(header.width * header.height * 4);
  for (let i = 0; i < header.width * header.height; i++) {
    rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = px[i * 2]!;
    rgba[i * 4 + 3] = px[i * 2 + 1]!;
  }
  return { header, rgba };
}

/** An 8-bit RGBA PNG (filter 0 on every row); the tests use it to make wrong icons. */
export function encodeRgbaPng(width: number, height: number, rgba: Buffer): Buffer {
  if (rgba.length !== width * height * 4) throw new Error('rgba length does not match the size');
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) rgba.copy(rows, y * (width * 4 + 1) + 1, y * width * 4, (y + 1) * width * 4);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

export const ICON_RULES = {
  color: { width: 192, height: 192 },
  outline: { width: 32, height: 32 },
} as const;

/**
 * What Teams asks of the icons (manifest schema: "full color PNG icon, 192x192"; "transparent PNG
 * outline icon, white, 32x32"), checked here: both are valid PNGs (signature, IHDR first, every
 * chunk's CRC) of exactly those sizes; the outline has an alpha channel, and every pixel is either
 * fully transparent or white (any opacity), with at least one visible.
 * Returns the problems found, each naming the file; empty when both are fine.
 */
export function checkIcons(icons: { color: Buffer; outline: Buffer }, names = { color: 'color.png', outline: 'outline.png' }): string[] {
  const problems: string[] = [];
  for (const kind of ['color', 'outline'] as const) {
    const want = ICON_RULES[kind];
    let header: PngHeader;
    try {
      header = readPngHeader(icons[kind]);
    } catch (e) {
      problems.push(`${names[kind]}: ${(e as Error).message}`);
      continue;
    }
    if (header.width !== want.width || header.height !== want.height) {
      problems.push(`${names[kind]} is ${header.width}x${header.height}; the ${kind} icon must be ${want.width}x${want.height}`);
    }
    if (kind !== 'outline') continue;
    if (!hasAlpha(header)) {
      problems.push(`${names.outline} has no alpha channel (PNG colour type ${header.colorType}); the outline icon must be transparent, white on transparent`);
      continue;
    }
    let rgba: Buffer;
    try {
      rgba = decodeRgba(icons.outline).rgba;
    } catch (e) {
      problems.push(`${names.outline}: ${(e as Error).message}`);
      continue;
    }
    let bad = 0;
    let first = '';
    let visible = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      if (rgba[i + 3] === 0) continue;
      visible++;
      if (rgba[i] !== 255 || rgba[i + 1] !== 255 || rgba[i + 2] !== 255) {
        if (bad++ === 0) {
          const n = i / 4;
          first = ` (first at x=${n % header.width}, y=${Math.floor(n / header.width)}: rgba(${rgba[i]}, ${rgba[i + 1]}, ${rgba[i + 2]}, ${rgba[i + 3]}))`;
        }
      }
    }
    if (bad) problems.push(`${names.outline} has ${bad} pixel(s) that are neither fully transparent nor white${first}; the outline icon must be white on transparent`);
    if (!visible) problems.push(`${names.outline} is fully transparent; the outline icon must draw something in white`);
  }
  return problems;
}
