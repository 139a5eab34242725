/**
 * Is a file what it says it is? Its first bytes against its declared media type's
 * signature in the allow-list (src/config/evidence.ts): magic bytes for binary formats,
 * valid UTF-8 without control characters for text. The Content-Type header proves
 * nothing on its own; a PDF that starts like HTML is refused.
 */
import { EVIDENCE_MEDIA_TYPES, type EvidenceMediaType, type MediaSignature } from "../../config/evidence";

/** How many leading bytes a text file is judged on. */
const TEXT_BYTES = 1024;
/** Whether `text` holds a control character other than tab, line feed, form feed and carriage return. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

/** How many leading bytes decide for `type` (fewer when the file is shorter). */
export function sniffLength(type: EvidenceMediaType): number {
  const signature: MediaSignature = EVIDENCE_MEDIA_TYPES[type];
  if (signature.kind === "text") return TEXT_BYTES;
  return Math.max(...signature.anyOf.flat().map((p) => p.offset + p.bytes.length));
}

function startsWith(head: Uint8Array, offset: number, bytes: readonly number[]): boolean {
  if (head.length < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[offset + i] !== bytes[i]) return false;
  return true;
}

/**
 * Whether `head`, a file's first bytes (all of it when `whole`), fits `type`.
 *
 * @example
 * ```ts
 * matchesMediaType("application/pdf", new TextEncoder().encode("%PDF-1.7"), true); // true
 * ```
 */
export function matchesMediaType(type: EvidenceMediaType, head: Uint8Array, whole: boolean): boolean {
  const signature: MediaSignature = EVIDENCE_MEDIA_TYPES[type];
  if (signature.kind === "magic") return signature.anyOf.some((parts) => parts.every((p) => startsWith(head, p.offset, p.bytes)));
  try {
    // `stream: true` leaves a character cut by the end of `head` pending instead of refusing it.
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(head, { stream: !whole });
    return !hasControl(text);
  } catch {
    // Not UTF-8: not text.
    return false;
  }
}
