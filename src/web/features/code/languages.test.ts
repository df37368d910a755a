import { describe, expect, it } from 'vitest';
import {
  codeAfterSwitch,
  DEFAULT_LANGUAGE,
  exampleFor,
  LANGUAGES,
  languageFromMeta,
  languageOption,
} from './languages.js';

describe('languageFromMeta', () => {
  it('falls back to JavaScript while the document names no language', () => {
    expect(DEFAULT_LANGUAGE).toBe('javascript');
    expect(languageFromMeta(undefined)).toBe('javascript');
    expect(languageFromMeta('')).toBe('javascript');
    expect(languageFromMeta(42)).toBe('javascript');
    expect(languageFromMeta('x'.repeat(41))).toBe('javascript');
  });

  it('keeps what another client stored, tidied', () => {
    expect(languageFromMeta('python')).toBe('python');
    expect(languageFromMeta(' Ruby ')).toBe('ruby');
  });
});

describe('languageOption', () => {
  it('has the three runnable languages first and one entry per id', () => {
    expect(LANGUAGES.slice(0, 3).map((language) => language.label)).toEqual([
      'JavaScript',
      'TypeScript',
      'Python',
    ]);
    expect(new Set(LANGUAGES.map((language) => language.id)).size).toBe(LANGUAGES.length);
  });

  it('names an id it does not list after the id itself', () => {
    expect(languageOption('cpp').label).toBe('C++');
    expect(languageOption('ruby')).toEqual({ id: 'ruby', label: 'ruby', highlight: 'ruby' });
  });
});

describe('examples', () => {
  it('has one for each language the wasm driver runs', () => {
    for (const id of ['javascript', 'typescript', 'python']) expect(exampleFor(id)).toBeTruthy();
  });

  it('fills an empty document and swaps an untouched example, never what someone wrote', () => {
    expect(codeAfterSwitch('', 'python')).toBe(exampleFor('python'));
    expect(codeAfterSwitch(exampleFor('javascript')!, 'python')).toBe(exampleFor('python'));
    expect(codeAfterSwitch(exampleFor('javascript')!, 'sql')).toBe('');
    expect(codeAfterSwitch('', 'sql')).toBeNull();
    expect(codeAfterSwitch('print(1)\n', 'javascript')).toBeNull();
  });
});
