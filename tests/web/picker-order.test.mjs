// tests/web/picker-order.test.mjs — the order of the page's bundled models
// (scripts/lib.sh bundled_model_names / copy_bundled_models, models/picker.txt):
// picker.txt's names first, in its order, then the other folders alphabetically;
// a named folder that does not exist (a model not trained yet) is left out, so
// the default falls to the next name; index.json lists each model's files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const LIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/lib.sh');

const made = [];
after(() => { for (const d of made) fs.rmSync(d, { recursive: true, force: true }); });

function site(folders, picker) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'picker-'));
  made.push(dir);
  for (const [name, files] of Object.entries(folders)) {
    fs.mkdirSync(path.join(dir, 'models', name), { recursive: true });
    for (const f of files) fs.writeFileSync(path.join(dir, 'models', name, f), `${name}/${f}`);
  }
  if (picker !== null) fs.writeFileSync(path.join(dir, 'models/picker.txt'), picker);
  return dir;
}
const lib = (dir, fn) => execFileSync('bash', ['-c', `source "${LIB}" && ${fn}`], { cwd: dir, encoding: 'utf8' });
const names = (dir) => lib(dir, 'bundled_model_names').split('\n').filter(Boolean);

const MODEL = ['config.json', 'model.safetensors', 'tokenizer.json'];

test('picker.txt orders the models; unnamed folders follow alphabetically; folders without config.json are not models', () => {
  const dir = site({ z: MODEL, a: MODEL, 'brown-small': MODEL, 'brown-words': MODEL, notes: ['README.md'] },
    '# comment\nbrown-words\n\nbrown-small\n');
  assert.deepEqual(names(dir), ['brown-words', 'brown-small', 'a', 'z']);
});

test('a named model whose folder is missing is skipped: the default is the next one', () => {
  const dir = site({ 'brown-small': MODEL, a: MODEL }, 'brown-words\nbrown-small\n');
  assert.deepEqual(names(dir), ['brown-small', 'a']);
});

test('without picker.txt: alphabetical', () => {
  const dir = site({ b: MODEL, a: MODEL }, null);
  assert.deepEqual(names(dir), ['a', 'b']);
});

test('copy_bundled_models writes index.json in that order with each model\'s files, and copies them', () => {
  const dir = site({ 'brown-small': [...MODEL, 'pos-probe.json', 'README.md'], 'brown-words': MODEL, 'x-extra': MODEL },
    'brown-words\nbrown-small\n');
  lib(dir, 'copy_bundled_models');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'web/dist/models/index.json'), 'utf8'));
  assert.deepEqual(index.map((m) => m.name), ['brown-words', 'brown-small', 'x-extra']);
  assert.deepEqual(index[1].files, ['config.json', 'model.safetensors', 'tokenizer.json', 'README.md', 'pos-probe.json']);
  assert.deepEqual(index[0].files, MODEL);
  assert.equal(fs.readFileSync(path.join(dir, 'web/dist/models/brown-small/pos-probe.json'), 'utf8'), 'brown-small/pos-probe.json');
});

test('the repository: brown-small is bundled, and every name in the list is a folder of models/', () => {
  const root = path.dirname(path.dirname(LIB));
  const list = names(root);
  assert.ok(list.includes('brown-small'), list.join(' '));
  for (const n of list) assert.ok(fs.existsSync(path.join(root, 'models', n, 'config.json')), n);
});
