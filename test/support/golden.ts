import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './tools';

/** The golden-file folder of a dialect: `test/golden/<dialect>`. */
export function goldenDir(dialect: string): string {
  return path.join(ROOT, 'test', 'golden', dialect);
}

/**
 * Compares rendered text with `test/golden/<dialect>/<name>`; `UPDATE_GOLDEN=1` rewrites the
 * file instead. Returns the golden file's path (for the daemon that must accept it).
 */
export function expectGolden(dialect: string, name: string, text: string): string {
  const file = path.join(goldenDir(dialect), name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  expect(
    fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `(missing ${file}: run with UPDATE_GOLDEN=1)`,
  ).toBe(text);
  return file;
}
