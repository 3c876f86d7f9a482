import { Fn, IResolveContext } from './cdk';
import { isUnresolved, splitTokens } from './tokens';

/**
 * Terraform escaping (DESIGN decision 6).
 *
 * Rendered configuration text lands inside Terraform strings, where `${` and `%{` start an
 * interpolation or a template directive. Every literal occurrence must reach Terraform as
 * `$${` / `%%{`, while cdktf token markers (worker addresses, generated passwords) must stay
 * real references. Escape once, at the boundary where text enters a resource attribute; never
 * base64-encode or hash token-bearing text in JavaScript: use {@link terraformSha256} and
 * {@link terraformBase64}, which let Terraform do it after the references resolve.
 */
export function escapeTerraformTemplate(text: string): string {
  const parts = splitTokens(text);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      const escaped = part.replace(/([$%])\{/g, (_match, sigil: string) => `${sigil}${sigil}{`);
      // A literal `${` right before a reference would read `$${${ref}}`, which cdktf collapses
      // into `$${ref}`; spell the sigil as an interpolation instead: `${"$"}{${ref}}`. A lone
      // literal `$` right before one would make `$${ref}`, Terraform's escape for the text
      // `${ref}`: spell that `$` the same way.
      if (i === parts.length - 1) return escaped;
      return escaped
        .replace(/([$%])\1\{$/, (_match, sigil: string) => '${"' + sigil + '"}{')
        .replace(/\$$/, '${"$"}');
    })
    .join('');
}

/**
 * Escapes text for use as a string argument of a cdktf `Fn.*` call, which cdktf writes as an
 * HCL quoted string literal inside `${…}`: backslash, double quote, newline, carriage return and
 * tab become `\\`, `\"`, `\n`, `\r`, `\t`, `%{` becomes `%%{`, and a `$` right before a reference
 * becomes `\u0024`. (`${` is left alone because cdktf itself doubles it inside function
 * arguments.) Token markers stay references.
 */
export function escapeTerraformFunctionArgument(text: string): string {
  const escapes: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const parts = splitTokens(text);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part;
      const escaped = part.replace(/[\\"\n\r\t]/g, (c) => escapes[c]).replace(/%\{/g, '%%{');
      // A lone `$` right before a reference would make `$${ref}` (the escape for the text
      // `${ref}`); HCL's unicode escape spells it without starting anything.
      return i === parts.length - 1 ? escaped : escaped.replace(/\$$/, '\\u0024');
    })
    .join('');
}

/** Terraform's `sha256(text)` of rendered text (tokens resolved first, literals intact). */
export function terraformSha256(text: string): string {
  return Fn.sha256(escapeTerraformFunctionArgument(text));
}

/** Terraform's `base64encode(text)` of rendered text (tokens resolved first, literals intact). */
export function terraformBase64(text: string): string {
  return Fn.base64encode(escapeTerraformFunctionArgument(text));
}

/**
 * Replaces the references in Terraform-escaped texts by what they resolve to, resolving each
 * distinct one once, for a value produced at synth (`Lazy`, whose `produce` receives `context`).
 * The result is the same Terraform text cdktf would write, but cdktf resolves a reference once
 * per occurrence in a string, and a balancer's files name every worker in every pool: resolving
 * them here keeps synthesis linear. A reference that does not resolve to text stays as it is.
 * `encode` rewrites each resolved reference for where it lands (e.g. inside a JSON string).
 */
export function resolveReferences(
  texts: readonly string[],
  context: IResolveContext,
  encode: (resolved: string) => string = (value) => value,
): string[] {
  const resolved = new Map<string, string>();
  return texts.map((text) => {
    const parts = splitTokens(text);
    for (let i = 1; i < parts.length; i += 2) {
      let value = resolved.get(parts[i]);
      if (value === undefined) {
        const result: unknown = context.resolve(parts[i]);
        value = typeof result === 'string' && !isUnresolved(result) ? encode(result) : parts[i];
        resolved.set(parts[i], value);
      }
      parts[i] = value;
    }
    return parts.join('');
  });
}
