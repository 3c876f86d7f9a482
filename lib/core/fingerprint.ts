import { createHash } from 'crypto';
import { splitTokens } from './tokens';

/**
 * What a content trigger holds: the SHA-256 of the text with every Terraform reference replaced
 * by its position in `references`, and the references themselves (each once, in order of first
 * appearance). Terraform resolves the references; the trigger's value then changes exactly when
 * the text Terraform completes changes: a literal part changes the hash, a reference's new value
 * changes the list.
 */
export interface ContentFingerprint {
  /** Hex SHA-256 of the texts' literal parts and reference positions. */
  readonly sha256: string;
  /** The distinct token markers of the texts, in order of first appearance. */
  readonly references: string[];
}

/**
 * Fingerprints `texts` (each entry a tuple of fields, e.g. path, owner, mode, content) without
 * putting the text into a Terraform expression: the literal parts are hashed here, and only the
 * references are left for Terraform. This keeps synthesis linear in the size of the text (a
 * `sha256(…)` over the whole text makes cdktf rescan the growing argument once per reference)
 * and writes each reference once, however many files use it.
 */
export function contentFingerprint(texts: ReadonlyArray<readonly string[]>): ContentFingerprint {
  const hash = createHash('sha256');
  const positions = new Map<string, number>();
  const references: string[] = [];
  const field = (tag: string, value: string) => hash.update(`${tag}${value.length}:`).update(value);
  for (const fields of texts) {
    hash.update(`F${fields.length};`);
    for (const text of fields) {
      const parts = splitTokens(text);
      hash.update(`P${parts.length};`);
      parts.forEach((part, i) => {
        if (i % 2 === 0) {
          field('L', part);
          return;
        }
        let position = positions.get(part);
        if (position === undefined) {
          position = references.length;
          positions.set(part, position);
          references.push(part);
        }
        hash.update(`R${position};`);
      });
    }
  }
  return { sha256: hash.digest('hex'), references };
}
