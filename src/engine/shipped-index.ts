// The built-in collection's index as it ships beside the models (public/models/collection-index.bin): the
// candidate-side T-CoT of every item and its two embeddings (int8 rows, one float scale each), tied to the
// models and the collection settings by the same key the browser's cache uses. A first visit reads it instead
// of reasoning about and embedding 1,300 items. Written by `npm run index-collection` (src/cli/index-collection.ts).
//
// Layout (little-endian): 8-byte magic "ERLIDX01" · uint32 header length · UTF-8 JSON header · zero padding to 4
// bytes · float32 scales [2·count] (with-T-CoT rows, then without) · int32 offsets [count + 1] · uint16 tokens
// [offsets[count]] · padding to 4 · int8 with-T-CoT rows [count·dim] · int8 without-T-CoT rows [count·dim].
import type { CollectionRecord } from '../media/store';

export const SHIPPED_INDEX_FILE = 'collection-index.bin';
const MAGIC = 'ERLIDX01';
const FORMAT = 'embed-rl-collection-index';
const VERSION = 1;

export interface ShippedIndexHeader {
  format: typeof FORMAT;
  version: number;
  /** The Library's cache key: collection settings + model hashes + prompting (library.ts). */
  key: string;
  count: number;
  dim: number;
  tokens: number;
  ids: string[];
  createdAt: number;
}

export class ShippedIndexError extends Error {
  override name = 'ShippedIndexError';
}

const pad4 = (n: number) => (n + 3) & ~3;

/** Per-row symmetric int8: q = round(x / s), s = max|x| / 127. */
function quantizeRows(values: Float32Array, count: number, dim: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(count * dim);
  const scales = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    let max = 0;
    for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(values[r * dim + j]!));
    const s = max > 0 ? max / 127 : 1;
    scales[r] = s;
    for (let j = 0; j < dim; j++) q[r * dim + j] = Math.max(-127, Math.min(127, Math.round(values[r * dim + j]! / s)));
  }
  return { q, scales };
}

/** Dequantise and L2-normalise each row again (the Embedder's vectors are unit length; search relies on it). */
function dequantizeRows(q: Int8Array, scales: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = q[r * dim + j]! * scales[r]!;
      out[r * dim + j] = v;
      norm += v * v;
    }
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dim; j++) out[r * dim + j]! *= inv;
  }
  return out;
}

export function encodeShippedIndex(record: CollectionRecord): Uint8Array {
  const count = record.ids.length;
  const { dim } = record;
  if (
    record.withTcot.length !== count * dim ||
    record.withoutTcot.length !== count * dim ||
    record.offsets.length !== count + 1
  )
    throw new ShippedIndexError('the collection record is inconsistent');
  const total = record.offsets[count]!;
  for (const t of record.tokens)
    if (t < 0 || t > 0xffff) throw new ShippedIndexError(`token id ${t} does not fit 16 bits`);
  const header: ShippedIndexHeader = {
    format: FORMAT,
    version: VERSION,
    key: record.key,
    count,
    dim,
    tokens: total,
    ids: record.ids,
    createdAt: record.createdAt,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const w = quantizeRows(record.withTcot, count, dim);
  const wo = quantizeRows(record.withoutTcot, count, dim);
  const start = pad4(12 + json.length);
  const scalesAt = start;
  const offsetsAt = scalesAt + 8 * count;
  const tokensAt = offsetsAt + 4 * (count + 1);
  const rowsAt = pad4(tokensAt + 2 * total);
  const bytes = new Uint8Array(rowsAt + 2 * count * dim);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 8; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  for (let r = 0; r < count; r++) {
    view.setFloat32(scalesAt + 4 * r, w.scales[r]!, true);
    view.setFloat32(scalesAt + 4 * (count + r), wo.scales[r]!, true);
  }
  for (let i = 0; i <= count; i++) view.setInt32(offsetsAt + 4 * i, record.offsets[i]!, true);
  for (let i = 0; i < total; i++) view.setUint16(tokensAt + 2 * i, record.tokens[i]!, true);
  bytes.set(new Uint8Array(w.q.buffer), rowsAt);
  bytes.set(new Uint8Array(wo.q.buffer), rowsAt + count * dim);
  return bytes;
}

/** Parse and check a shipped index; throws ShippedIndexError with a plain reason on anything malformed. */
export function decodeShippedIndex(data: ArrayBuffer | Uint8Array): CollectionRecord {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < 12 || String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC)
    throw new ShippedIndexError('not a collection index (bad magic bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(8, true);
  if (12 + jsonLength > bytes.length) throw new ShippedIndexError('the index header is truncated');
  let header: ShippedIndexHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as ShippedIndexHeader;
  } catch {
    throw new ShippedIndexError('the index header is not JSON');
  }
  if (header.format !== FORMAT) throw new ShippedIndexError(`unknown index format ${String(header.format)}`);
  if (header.version !== VERSION)
    throw new ShippedIndexError(`index version ${header.version} (this build reads ${VERSION})`);
  const { count, dim, tokens: total } = header;
  if (
    ![count, dim, total].every((n) => Number.isInteger(n) && n >= 0) ||
    !Array.isArray(header.ids) ||
    header.ids.length !== count ||
    typeof header.key !== 'string'
  )
    throw new ShippedIndexError('the index header is inconsistent');
  const scalesAt = pad4(12 + jsonLength);
  const offsetsAt = scalesAt + 8 * count;
  const tokensAt = offsetsAt + 4 * (count + 1);
  const rowsAt = pad4(tokensAt + 2 * total);
  if (bytes.length !== rowsAt + 2 * count * dim)
    throw new ShippedIndexError(`the index is ${bytes.length} bytes; its header describes ${rowsAt + 2 * count * dim}`);
  const scales = new Float32Array(2 * count);
  for (let i = 0; i < 2 * count; i++) scales[i] = view.getFloat32(scalesAt + 4 * i, true);
  if (!scales.every((s) => Number.isFinite(s) && s > 0)) throw new ShippedIndexError('the index has a bad row scale');
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i <= count; i++) offsets[i] = view.getInt32(offsetsAt + 4 * i, true);
  for (let i = 0; i < count; i++)
    if (offsets[i + 1]! < offsets[i]!) throw new ShippedIndexError('the index T-CoT offsets are not increasing');
  if (offsets[0] !== 0 || offsets[count] !== total)
    throw new ShippedIndexError('the index T-CoT offsets do not span its tokens');
  const tokens = new Int32Array(total);
  for (let i = 0; i < total; i++) tokens[i] = view.getUint16(tokensAt + 2 * i, true);
  const rows = (at: number) => new Int8Array(bytes.buffer, bytes.byteOffset + at, count * dim);
  return {
    key: header.key,
    ids: header.ids,
    dim,
    withTcot: dequantizeRows(rows(rowsAt), scales.subarray(0, count), count, dim),
    withoutTcot: dequantizeRows(rows(rowsAt + count * dim), scales.subarray(count), count, dim),
    tokens,
    offsets,
    createdAt: header.createdAt,
  };
}
