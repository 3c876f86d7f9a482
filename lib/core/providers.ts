import { IConstruct } from 'constructs';
import { Aspects, IAspect, TerraformProvider, TerraformStack } from './cdk';
import { ValidationError } from './errors';

/**
 * A provider whose default (alias-less) configuration webfarm's resources use, and how to
 * declare one when the user has not.
 */
export interface ProviderRequirement {
  /** The provider's Terraform type, its local name in `required_providers`: `openstack`, `random`. */
  readonly type: string;
  /**
   * Declares the default provider (no settings: credentials come from the environment) in
   * `stack` under construct id `id`. Called at synth, and only when the stack has no provider
   * of this type without an alias.
   */
  readonly create: (stack: TerraformStack, id: string) => void;
  /**
   * Checks the stack's resources of this provider when validations run at synth (after the
   * aspects), throwing a `ValidationError`: rules of the provider's API that no single construct
   * sees, such as the length of names derived from construct paths.
   * @default - no check
   */
  readonly validate?: (stack: TerraformStack) => void;
}

/** What {@link ensureProvider} registered on one stack. */
interface StackProviders {
  readonly requirements: Map<string, ProviderRequirement>;
  /** The default providers webfarm declared, by type. */
  readonly declared: Map<string, IConstruct>;
}

const registry = new WeakMap<TerraformStack, StackProviders>();

/**
 * Makes sure the stack that holds `scope` has a default provider of `requirement.type`. The
 * decision is taken at synth (an aspect, which `app.synth()` and `Testing.synth` run before
 * rendering; again when validations run), so a provider the user
 * declares after a webfarm construct counts: webfarm declares one only when the stack has none
 * without an alias, and removes its own if the user's appears later. A provider is recognised by
 * its Terraform type, not its class, so one from the user's own bindings (`cdktf get`, another
 * copy of cdktf, a hand-written `TerraformProvider`) counts too. Two default configurations of
 * one type, which Terraform rejects ("Duplicate provider configuration"), are a
 * `ValidationError` at synth.
 */
export function ensureProvider(scope: IConstruct, requirement: ProviderRequirement): void {
  const stack = TerraformStack.of(scope);
  let entry = registry.get(stack);
  if (!entry) {
    const created: StackProviders = { requirements: new Map(), declared: new Map() };
    entry = created;
    registry.set(stack, created);
    Aspects.of(stack).add(new DefaultProviders(stack));
    // Validations run after the aspects in `app.synth()` and `Testing.synth`: a provider added
    // in between (by another aspect) is settled here too, and duplicates are refused.
    stack.node.addValidation({
      validate: () => {
        settle(stack, created);
        for (const requirement of created.requirements.values()) requirement.validate?.(stack);
        return [];
      },
    });
  }
  if (!entry.requirements.has(requirement.type)) entry.requirements.set(requirement.type, requirement);
}

/** Declares (or withdraws) webfarm's default providers of one stack, once per synth. */
class DefaultProviders implements IAspect {
  constructor(private readonly stack: TerraformStack) {}

  public visit(node: IConstruct): void {
    if (node !== this.stack) return;
    const entry = registry.get(this.stack);
    if (entry) settle(this.stack, entry);
  }
}

/**
 * Declares webfarm's default provider of each required type the stack lacks, withdraws it where
 * the user declared one, and throws a `ValidationError` for two default configurations of a type.
 */
function settle(stack: TerraformStack, entry: StackProviders): void {
  const mine = new Set(entry.declared.values());
  const defaults = defaultProvidersByType(stack);
  for (const [type, providers] of defaults) {
    const theirs = providers.filter((p) => !mine.has(p));
    if (theirs.length > 1) throw duplicateDefaults(stack, type, theirs);
  }
  for (const [type, requirement] of entry.requirements) {
    const ours = entry.declared.get(type);
    const theirs = (defaults.get(type) ?? []).filter((p) => p !== ours);
    if (ours && theirs.length > 0) {
      stack.node.tryRemoveChild(ours.node.id);
      entry.declared.delete(type);
    } else if (!ours && theirs.length === 0) {
      const id = freeId(stack, type);
      requirement.create(stack, id);
      const made = stack.node.tryFindChild(id);
      if (!made || !isDefaultProvider(made, type)) {
        throw new Error(
          `ensureProvider: create() did not declare a default "${type}" provider with id "${id}"`,
        );
      }
      entry.declared.set(type, made);
    }
  }
}

/** The providers without an alias, by Terraform type, anywhere in the stack. */
function defaultProvidersByType(stack: TerraformStack): Map<string, IConstruct[]> {
  const out = new Map<string, IConstruct[]>();
  for (const c of stack.node.findAll()) {
    if (!TerraformProvider.isTerraformProvider(c) || c.alias !== undefined) continue;
    out.set(c.terraformResourceType, [...(out.get(c.terraformResourceType) ?? []), c]);
  }
  return out;
}

function isDefaultProvider(c: IConstruct, type: string): boolean {
  return (
    TerraformProvider.isTerraformProvider(c) && c.terraformResourceType === type && c.alias === undefined
  );
}

function duplicateDefaults(stack: TerraformStack, type: string, providers: IConstruct[]): ValidationError {
  return new ValidationError({
    path: stack.node.path,
    what: `default "${type}" providers`,
    value: providers.map((p) => p.node.path),
    allowed: `one "${type}" provider without an alias per stack (Terraform rejects a duplicate provider configuration)`,
    fix: 'give every other one an alias, and pass it as `provider` to the resources that use it',
  });
}

/** `type` as the construct id of webfarm's default provider, unless the stack already uses it. */
function freeId(stack: TerraformStack, type: string): string {
  for (let i = 1; ; i++) {
    const id = i === 1 ? type : `${type}-default-${i}`;
    if (!stack.node.tryFindChild(id)) return id;
  }
}
