import { Lazy } from '../../lib/core/cdk';
import { tokenPreconditions } from '../../lib/core/token-checks';
import { TokenTextRule, requireTokenText, tokenRule, tokensInText } from '../../lib/core/token-rules';

/**
 * Which rules a reference in carried text gets, in which order, and how many preconditions
 * follow from them: each rule once, however often the text names the reference and however often
 * a renderer records the same rule (every render records it again).
 */

let counter = 0;
/** A fresh token marker (a Terraform reference nobody recorded a rule for yet). */
function reference(): string {
  const n = counter++;
  return Lazy.stringValue({ produce: () => `ref${n}` });
}

const fallback = tokenRule('word', 'test', 'a reference');
const carrier = tokenRule('doubleQuoted', 'test carrier', 'the carrying text');

function rulesOf(token: string, texts: string[], withCarrier?: TokenTextRule): TokenTextRule[] {
  return [...(tokensInText(texts, fallback, withCarrier).find((t) => t.token === token)?.rules ?? [])];
}

describe('tokensInText', () => {
  it('GIVEN a reference recorded once per pool, twice over WHEN it is in every pool file THEN it has each recorded rule once, in recording order, then the carrier', () => {
    const host = reference();
    const pools = ['svc1', 'svc2', 'svc3'];
    for (let render = 0; render < 2; render++) {
      for (const p of pools)
        requireTokenText(`server ${host}:80;`, tokenRule('host', `pool '${p}'`, 'node host'));
    }
    const texts = pools.map((p) => `upstream ${p} { server ${host}:80; }`);
    expect(rulesOf(host, texts, carrier)).toEqual([
      ...pools.map((p) => tokenRule('host', `pool '${p}'`, 'node host')),
      carrier,
    ]);
    expect(rulesOf(host, texts)).toEqual(pools.map((p) => tokenRule('host', `pool '${p}'`, 'node host')));
  });

  it('GIVEN rules that differ only in pattern or what WHEN recorded THEN both are kept', () => {
    const value = reference();
    requireTokenText(value, tokenRule('host', 'pool', 'node host'));
    requireTokenText(value, tokenRule('address', 'pool', 'node host'));
    requireTokenText(value, tokenRule('host', 'pool', 'backup host'));
    requireTokenText(value, tokenRule('host', 'pool', 'node host'));
    expect(rulesOf(value, [`x ${value}`])).toEqual([
      tokenRule('host', 'pool', 'node host'),
      tokenRule('address', 'pool', 'node host'),
      tokenRule('host', 'pool', 'backup host'),
    ]);
  });

  it('GIVEN a carrier equal to a recorded rule WHEN read THEN it is not repeated', () => {
    const value = reference();
    requireTokenText(value, carrier);
    expect(rulesOf(value, [`a ${value}`, `b ${value}`], carrier)).toEqual([carrier]);
  });

  it('GIVEN a reference no renderer recorded WHEN it is a whole text, then part of one THEN the carrier comes first and the fallback is added once', () => {
    const value = reference();
    expect(rulesOf(value, [value])).toEqual([]);
    expect(rulesOf(value, [value], carrier)).toEqual([carrier]);
    expect(rulesOf(value, [`a ${value}`, value, `b ${value}`])).toEqual([fallback]);
    expect(rulesOf(value, [value, `a ${value}`, `b ${value}`], carrier)).toEqual([carrier, fallback]);
  });

  it('GIVEN several references WHEN read THEN they come in order of first appearance', () => {
    const [a, b, c] = [reference(), reference(), reference()];
    const found = tokensInText([`${b} ${a}`, `${c} ${a} ${b}`], fallback).map((t) => t.token);
    expect(found).toEqual([b, a, c]);
  });
});

describe('tokenPreconditions', () => {
  it('GIVEN a reference with one rule per pool, all of one pattern WHEN checked THEN one precondition names the first pool', () => {
    const host = reference();
    for (const p of ['svc1', 'svc2', 'svc3']) {
      requireTokenText(host, tokenRule('host', `pool '${p}'`, 'node host'));
    }
    requireTokenText(host, tokenRule('address', `pool 'svc2'`, 'node address'));
    const texts = ['svc1', 'svc2', 'svc3'].map((p) => `upstream ${p} { server ${host}; }`);
    const list = tokenPreconditions(texts, 'stack/push');
    expect(list).toHaveLength(2);
    expect(list[0].error_message).toContain("pool 'svc1': node host is a Terraform reference");
    expect(list[1].error_message).toContain("pool 'svc2': node address is a Terraform reference");
  });
});
