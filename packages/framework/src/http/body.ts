/**
 * Reading a request body into memory, bounded (DATA_UPLOAD_MAX_MEMORY_SIZE): refused from
 * Content-Length before reading a byte when it says too much, else counted while reading and
 * cut off (the stream cancelled) the moment it passes the limit.
 * @module
 */
import { RequestDataTooBig, BadRequest } from '../core/exceptions.js';

/** Converts stream errors the server raises (its own body limit, a client gone) into framework errors. */
export function bodyStreamError(error: unknown): unknown {
  const e = error as { code?: string; status?: number } | null;
  if (e && (e.code === 'TSGI_E_BODY_TOO_LARGE' || e.status === 413)) {
    return new RequestDataTooBig('The request body exceeded the server\'s body size limit.');
  }
  return error;
}

/**
 * Reads `stream` whole. More than `limit` bytes (null = no limit) throws RequestDataTooBig (413).
 *
 * @example
 * ```ts
 * const bytes = await readBody(request.body, request.headers.get('content-length'), 2_621_440);
 * ```
 */
export async function readBody(
  stream: ReadableStream<Uint8Array> | null,
  contentLength: string | null,
  limit: number | null,
): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  if (limit !== null && contentLength !== null) {
    const declared = Number(contentLength);
    if (!Number.isSafeInteger(declared) || declared < 0) {
      await stream.cancel().catch(() => undefined);
      throw new BadRequest(`Invalid Content-Length ${JSON.stringify(contentLength)}`, 'TSGI_FW_BAD_CONTENT_LENGTH');
    }
    if (declared > limit) {
      await stream.cancel().catch(() => undefined);
      throw tooBig(limit);
    }
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (limit !== null && total > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooBig(limit);
      }
      chunks.push(value);
    }
  } catch (error) {
    throw bodyStreamError(error);
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooBig(limit: number): RequestDataTooBig {
  return new RequestDataTooBig(
    `Request body exceeded DATA_UPLOAD_MAX_MEMORY_SIZE (${limit} bytes). Raise the setting, or send files as multipart/form-data.`,
  );
}
