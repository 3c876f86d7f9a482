import { Fn, Lazy, TerraformResource, Token } from './cdk';
import { escapeTerraformFunctionArgument, escapeTerraformTemplate } from './escape';
import { TokenTextRule, tokenRule, tokensInText } from './token-rules';

/** One `lifecycle.precondition` block, as Terraform JSON spells it. */
export interface TerraformPrecondition {
  /** A boolean expression. */
  readonly condition: string;
  /** The message Terraform prints when the condition is false. */
  readonly error_message: string;
}

/**
 * The preconditions that make Terraform check every reference in `texts` against the rules the
 * renderers recorded for it (see `TokenTextRule`): one per reference and rule, `can(regex(…))`.
 * A reference without a recorded rule must be one plain word (`fallback`), unless it is a whole
 * text by itself; `carrier` applies to every reference (the quoting of the text that carries them).
 */
export function tokenPreconditions(
  texts: readonly string[],
  path: string,
  carrier?: TokenTextRule,
): TerraformPrecondition[] {
  const fallback = tokenRule('word', path, 'a Terraform reference in configuration text');
  const out: TerraformPrecondition[] = [];
  // tokensInText names each token once: one condition per pattern of each token (a worker's
  // address has one rule per pool, all with the same pattern).
  for (const { token, rules } of tokensInText(texts, fallback, carrier)) {
    const seen = new Set<string>();
    for (const rule of rules) {
      if (seen.has(rule.pattern)) continue;
      seen.add(rule.pattern);
      out.push({
        condition: Token.asString(Fn.can(Fn.regex(escapeTerraformFunctionArgument(rule.pattern), token))),
        error_message: escapeTerraformTemplate(
          `${rule.path}: ${rule.what} is a Terraform reference whose value is not allowed in this ` +
            `configuration text; allowed: ${rule.allowed}. Fix: give a value that is ${rule.allowed} ` +
            '(webfarm checks it here because the value is not known at synth).',
        ),
      });
    }
  }
  return out;
}

/**
 * Adds `lifecycle.precondition` blocks to `resource`, produced at synth from the texts it carries
 * then (see {@link tokenPreconditions}); none when the texts hold no reference.
 */
export function addTokenPreconditions(
  resource: TerraformResource,
  texts: () => readonly string[],
  carrier?: TokenTextRule,
): void {
  resource.addOverride(
    'lifecycle.precondition',
    Lazy.anyValue({
      produce: () => {
        const list = tokenPreconditions(texts(), resource.node.path, carrier);
        return list.length ? list : undefined;
      },
    }),
  );
}
