/**
 * The zip container of an .xlsx, read and written without a library so that parts we do not change are
 * copied as their original compressed bytes (byte for byte, no re-deflating), and parts we write are
 * deflated as they are produced (a sheet's XML never has to exist as one string).
 */
import { crc32, createDeflateRaw, inflateRawSync } from "node:zlib";
import { PcnError } from "../../core/errors";

export interface ZipEntry {
  name: string;
  method: number; // 0 stored, 8 deflate
  crc: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header in the source buffer. */
  localOffset: number;
  flags: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;

/** A zip archive held in memory. Throws PcnError with `what` (the file's name) when it is not a readable zip. */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  /** Entry names in the archive's order. */
  readonly order: string[] = [];

  constructor(readonly buf: Buffer, what: string) {
    const bad = (why: string): never => { throw new PcnError(`${what} is not a readable .xlsx workbook (${why}); nothing was written.`); };
    const minEocd = Math.max(0, buf.length - 22 - 0xffff);
    let eocd = -1;
    for (let i = buf.length - 22; i >= minEocd; i--) if (buf.readUInt32LE(i) === SIG_EOCD) { eocd = i; break; }
    if (eocd < 0) {
      // A zip begins with a local header: one that does not is another kind of file, one that does was cut short.
      if (buf.length < 4 || buf.readUInt32LE(0) !== SIG_LOCAL) throw new PcnError(`${what} is not an .xlsx workbook (it is not a zip package: perhaps another kind of file renamed .xlsx); nothing was written.`);
      bad("it is cut short");
    }
    let count = buf.readUInt16LE(eocd + 10);
    let cdSize = buf.readUInt32LE(eocd + 12);
    let cdOffset = buf.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || buf.readUInt32LE(loc) !== SIG_LOC64) bad("a damaged ZIP64 directory");
      const at = Number(buf.readBigUInt64LE(loc + 8));
      if (at + 56 > buf.length || buf.readUInt32LE(at) !== SIG_EOCD64) bad("a damaged ZIP64 directory");
      count = Number(buf.readBigUInt64LE(at + 32));
      cdSize = Number(buf.readBigUInt64LE(at + 40));
      cdOffset = Number(buf.readBigUInt64LE(at + 48));
    }
    if (cdOffset + cdSize > buf.length) bad("it is cut short");
    let p = cdOffset;
    for (let n = 0; n < count; n++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== SIG_CENTRAL) bad("a damaged central directory");
      const flags = buf.readUInt16LE(p + 8);
      const method = buf.readUInt16LE(p + 10);
      const crc = buf.readUInt32LE(p + 16);
      let compressedSize = buf.readUInt32LE(p + 20);
      let size = buf.readUInt32LE(p + 24);
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      let localOffset = buf.readUInt32LE(p + 42);
      const name = buf.toString(flags & 0x800 ? "utf8" : "latin1", p + 46, p + 46 + nameLen);
      // ZIP64 extended information: the fields that overflowed, in this order.
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = buf.readUInt16LE(e);
        const len = buf.readUInt16LE(e + 2);
        if (id === 1) {
          let q = e + 4;
          if (size === 0xffffffff) { size = Number(buf.readBigUInt64LE(q)); q += 8; }
          if (compressedSize === 0xffffffff) { compressedSize = Number(buf.readBigUInt64LE(q)); q += 8; }
          if (localOffset === 0xffffffff) { localOffset = Number(buf.readBigUInt64LE(q)); q += 8; }
        }
        e += 4 + len;
      }
      if (flags & 1) bad(`its part ${name} is encrypted`);
      if (method !== 0 && method !== 8) bad(`its part ${name} uses an unsupported compression method`);
      const entry: ZipEntry = { name, method, crc, compressedSize, size, localOffset, flags };
      if (!this.entries.has(name)) this.order.push(name);
      this.entries.set(name, entry);
      p = eEnd + commentLen;
    }
    for (const entry of this.entries.values()) if (this.dataStart(entry) + entry.compressedSize > buf.length) bad("it is cut short");
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  private dataStart(e: ZipEntry): number {
    const p = e.localOffset;
    if (p + 30 > this.buf.length || this.buf.readUInt32LE(p) !== SIG_LOCAL) throw new PcnError(`The part ${e.name} of this workbook is damaged.`);
    return p + 30 + this.buf.readUInt16LE(p + 26) + this.buf.readUInt16LE(p + 28);
  }

  /** The entry's compressed bytes, as stored. */
  raw(e: ZipEntry): Buffer {
    const s = this.dataStart(e);
    return this.buf.subarray(s, s + e.compressedSize);
  }

  /** The entry's bytes, checked against its CRC. */
  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new PcnError(`This workbook has no part ${name}.`);
    const raw = this.raw(e);
    let out: Buffer;
    try {
      out = e.method === 0 ? raw : inflateRawSync(raw);
    } catch {
      throw new PcnError(`The part ${name} of this workbook is damaged (it does not decompress).`);
    }
    if (out.length !== e.size || crc32(out) >>> 0 !== e.crc >>> 0) throw new PcnError(`The part ${name} of this workbook is damaged (its checksum does not match).`);
    return out;
  }

  text(name: string): string {
    const b = this.read(name);
    // A UTF-8 byte order mark is allowed at the start of a part.
    return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.toString("utf8", 3) : b.toString("utf8");
  }
}

/** Where a ZipWriter puts its bytes, in order. */
export interface ZipSink {
  write(chunk: Buffer): void;
}

/** A sink that keeps the archive in memory. */
export class MemorySink implements ZipSink {
  private chunks: Buffer[] = [];
  write(chunk: Buffer): void { this.chunks.push(chunk); }
  buffer(): Buffer { return Buffer.concat(this.chunks); }
}

interface Written { name: Buffer; method: number; crc: number; compressedSize: number; size: number; offset: number; flags: number }

// DOS date/time fields: a fixed 1980-01-01 00:00 keeps rebuilt files byte-identical for identical content.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

/**
 * Writes a zip archive to a sink: entries copied raw from a ZipReader, whole buffers, or text produced in
 * chunks and deflated as it comes. ZIP64 is not written: a part or archive over 4 GB is refused.
 */
export class ZipWriter {
  private offset = 0;
  private written: Written[] = [];
  private names = new Set<string>();

  constructor(private sink: ZipSink, private level = 6) {}

  private out(b: Buffer) {
    this.sink.write(b);
    this.offset += b.length;
  }

  private checkName(name: string) {
    if (this.names.has(name)) throw new Error(`zip: duplicate entry ${name}`);
    this.names.add(name);
  }

  private localHeader(name: Buffer, method: number, flags: number, crc: number, csize: number, size: number): Buffer {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(SIG_LOCAL, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(flags, 6);
    h.writeUInt16LE(method, 8);
    h.writeUInt16LE(DOS_TIME, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    h.writeUInt32LE(crc >>> 0, 14);
    h.writeUInt32LE(csize, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(0, 28);
    return Buffer.concat([h, name]);
  }

  private tooBig(name: string): never {
    throw new PcnError(`The part ${name} would be over 4 GB, more than this command can write.`);
  }

  /** Copies an entry's compressed bytes unchanged. */
  copy(from: ZipReader, e: ZipEntry, as = e.name): void {
    this.checkName(as);
    const name = Buffer.from(as, "utf8");
    const flags = 0x800;
    const offset = this.offset;
    if (offset > 0xffffffff || e.compressedSize > 0xffffffff) this.tooBig(as);
    this.out(this.localHeader(name, e.method, flags, e.crc, e.compressedSize, e.size));
    this.out(from.raw(e));
    this.written.push({ name, method: e.method, crc: e.crc, compressedSize: e.compressedSize, size: e.size, offset, flags });
  }

  /** Adds a whole part. */
  async add(as: string, data: string | Buffer): Promise<void> {
    await this.addChunks(as, [data]);
  }

  /**
   * Adds a part from chunks (strings are UTF-8), deflating as they come; the CRC and sizes follow the data in
   * a data descriptor, so nothing is buffered.
   */
  async addChunks(as: string, chunks: Iterable<string | Buffer> | AsyncIterable<string | Buffer>): Promise<void> {
    this.checkName(as);
    const name = Buffer.from(as, "utf8");
    const flags = 0x800 | 0x8;
    const offset = this.offset;
    if (offset > 0xffffffff) this.tooBig(as);
    this.out(this.localHeader(name, 8, flags, 0, 0, 0));
    const deflate = createDeflateRaw({ level: this.level, chunkSize: 64 * 1024 });
    let crc = 0;
    let size = 0;
    let compressedSize = 0;
    let failed: Error | undefined;
    deflate.on("data", (d: Buffer) => { compressedSize += d.length; this.out(d); });
    deflate.on("error", (e) => { failed = e; });
    const done = new Promise<void>((resolve, reject) => { deflate.on("end", resolve); deflate.on("error", reject); });
    for await (const chunk of chunks) {
      if (failed) throw failed;
      const b = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
      if (b.length === 0) continue;
      crc = crc32(b, crc);
      size += b.length;
      if (!deflate.write(b)) await new Promise<void>((r) => deflate.once("drain", r));
    }
    deflate.end();
    await done;
    if (size > 0xffffffff || compressedSize > 0xffffffff) this.tooBig(as);
    const d = Buffer.alloc(16);
    d.writeUInt32LE(SIG_DESCRIPTOR, 0);
    d.writeUInt32LE(crc >>> 0, 4);
    d.writeUInt32LE(compressedSize, 8);
    d.writeUInt32LE(size, 12);
    this.out(d);
    this.written.push({ name, method: 8, crc, compressedSize, size, offset, flags });
  }

  /** Writes the central directory. */
  finish(): void {
    const cdStart = this.offset;
    for (const w of this.written) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(SIG_CENTRAL, 0);
      h.writeUInt16LE(20, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(w.flags, 8);
      h.writeUInt16LE(w.method, 10);
      h.writeUInt16LE(DOS_TIME, 12);
      h.writeUInt16LE(DOS_DATE, 14);
      h.writeUInt32LE(w.crc >>> 0, 16);
      h.writeUInt32LE(w.compressedSize, 20);
      h.writeUInt32LE(w.size, 24);
      h.writeUInt16LE(w.name.length, 28);
      h.writeUInt32LE(w.offset, 42);
      this.out(Buffer.concat([h, w.name]));
    }
    const cdSize = this.offset - cdStart;
    if (this.written.length > 0xffff || cdStart > 0xffffffff) this.tooBig("directory");
    const e = Buffer.alloc(22);
    e.writeUInt32LE(SIG_EOCD, 0);
    e.writeUInt16LE(this.written.length, 8);
    e.writeUInt16LE(this.written.length, 10);
    e.writeUInt32LE(cdSize, 12);
    e.writeUInt32LE(cdStart, 16);
    this.out(e);
  }
}

