import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A minimal ZIP writer and reader for the app package: flat entries, deflate (or stored when
 * deflate does not help), no ZIP64, no encryption. Output is deterministic (every entry is dated
 * 1980-01-01 00:00), so the same inputs give the same bytes.
 */

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const VERSION = 20; // 2.0: deflate
const MADE_BY_UNIX = (3 << 8) | VERSION;
const FILE_MODE_644 = (0o100644 << 16) >>> 0;

export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const seen = new Set<string>();
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    if (seen.has(name)) throw new Error(`zip: duplicate entry ${name}`);
    seen.add(name);
    const nameBytes = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const method = deflated.length < data.length ? 8 : 0;
    const body = method === 8 ? deflated : data;
    const crc = crc32(data) >>> 0;
    if (offset + 30 + nameBytes.length + body.length > 0xffffffff) throw new Error('zip: over 4 GiB (no ZIP64 here)');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time 00:00:00
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(VERSION, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra 30, comment 32, disk 34, internal attributes 36: all 0
    central.writeUInt32LE(FILE_MODE_644, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += 30 + nameBytes.length + body.length;
  }
  if (entries.length > 0xffff) throw new Error('zip: too many entries (no ZIP64 here)');
  const cdSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** Reads every entry through the central directory, checking each local header, size and CRC-32. */
export function readZip(zip: Buffer): ZipEntry[] {
  const fail = (why: string): never => {
    throw new Error(`not a valid zip: ${why}`);
  };
  let endAt = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END) {
      endAt = i;
      break;
    }
  }
  if (endAt < 0) fail('no end of central directory record');
  const count = zip.readUInt16LE(endAt + 10);
  const cdSize = zip.readUInt32LE(endAt + 12);
  let p = zip.readUInt32LE(endAt + 16);
  if (zip.readUInt16LE(endAt + 4) !== 0 || zip.readUInt16LE(endAt + 6) !== 0) fail('multi-disk archive');
  if (p + cdSize > endAt) fail('central directory out of bounds');

  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > endAt || zip.readUInt32LE(p) !== CENTRAL) fail(`central directory entry ${n} is damaged`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const csize = zip.readUInt32LE(p + 20);
    const usize = zip.readUInt32LE(p + 24);
    const nlen = zip.readUInt16LE(p + 28);
    const elen = zip.readUInt16LE(p + 30);
    const clen = zip.readUInt16LE(p + 32);
    const localAt = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nlen).toString('utf8');
    p += 46 + nlen + elen + clen;

    if (flags & 0x1) fail(`${name} is encrypted`);
    if (localAt + 30 > zip.length || zip.readUInt32LE(localAt) !== LOCAL) fail(`${name}: local header missing`);
    const lnlen = zip.readUInt16LE(localAt + 26);
    const lelen = zip.readUInt16LE(localAt + 28);
    if (zip.subarray(localAt + 30, localAt + 30 + lnlen).toString('utf8') !== name) fail(`${name}: local header names another file`);
    const start = localAt + 30 + lnlen + lelen;
    if (start + csize > zip.length) fail(`${name}: data out of bounds`);
    const body = zip.subarray(start, start + csize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(body);
    else if (method === 8) {
      try {
        data = inflateRawSync(body);
      } catch (e) {
        return fail(`${name}: ${(e as Error).message}`);
      }
    } else return fail(`${name}: compression method ${method} is not supported`);
    if (data.length !== usize) fail(`${name}: size ${data.length}, the directory says ${usize}`);
    if (crc32(data) >>> 0 !== crc) fail(`${name}: CRC-32 mismatch`);
    entries.push({ name, data });
  }
  return entries;
}
