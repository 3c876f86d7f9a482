import { Fn } from './cdk';
import { mapLiterals } from './tokens';

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
  return mapLiterals(text, (literal) =>
    literal.replace(/([$%])\{/g, (_match, sigil: string) => `${sigil}${sigil}{`),
  );
}

/**
 * Escapes only `%{` (template directives). This is what text passed as an argument to a cdktf
 * `Fn.*` call needs: cdktf already doubles `${` inside function arguments itself (and warns),
 * but leaves `%{` alone.
 */
export function escapeTerraformDirectives(text: string): string {
  return mapLiterals(text, (literal) => literal.replace(/%\{/g, '%%{'));
}

/**
 * The inverse of {@link escapeTerraformTemplate} on text read back from a synthesized stack:
 * `$${` becomes `${` and `%%{` becomes `%{`. (Used by `webfarm configs` to show what lands.)
 */
export function unescapeTerraformTemplate(text: string): string {
  return text.replace(/([$%])\1\{/g, (_match, sigil: string) => `${sigil}{`);
}

/** Terraform's `sha256(text)` of rendered text (tokens resolved first, literals intact). */
export function terraformSha256(text: string): string {
  return Fn.sha256(escapeTerraformDirectives(text));
}

/** Terraform's `base64encode(text)` of rendered text (tokens resolved first, literals intact). */
export function terraformBase64(text: string): string {
  return Fn.base64encode(escapeTerraformDirectives(text));
}
