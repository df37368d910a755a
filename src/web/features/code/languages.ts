/**
 * The languages of the picker. The shared document stores a language id in `meta.language`
 * (API.md, "Collaborative code"); ids match those of `GET /api/exec/languages`, so the same id
 * picks the highlighting here and the runtime on the server.
 */
import { DEFAULT_CODE_LANGUAGE } from '../../../protocol/collab.js';

export interface LanguageOption {
  /** Stored in `meta.language` and sent to the exec API. */
  id: string;
  label: string;
  /** The name @codemirror/language-data knows it by (`LanguageDescription.matchLanguageName`). */
  highlight: string;
}

/** When the document names no language yet, everyone shows this until someone picks one. */
export const DEFAULT_LANGUAGE = DEFAULT_CODE_LANGUAGE;

export const LANGUAGES: readonly LanguageOption[] = [
  { id: 'javascript', label: 'JavaScript', highlight: 'JavaScript' },
  { id: 'typescript', label: 'TypeScript', highlight: 'TypeScript' },
  { id: 'python', label: 'Python', highlight: 'Python' },
  { id: 'c', label: 'C', highlight: 'C' },
  { id: 'cpp', label: 'C++', highlight: 'C++' },
  { id: 'go', label: 'Go', highlight: 'Go' },
  { id: 'rust', label: 'Rust', highlight: 'Rust' },
  { id: 'java', label: 'Java', highlight: 'Java' },
  { id: 'bash', label: 'Bash / Shell', highlight: 'Shell' },
  { id: 'html', label: 'HTML', highlight: 'HTML' },
  { id: 'css', label: 'CSS', highlight: 'CSS' },
  { id: 'json', label: 'JSON', highlight: 'JSON' },
  { id: 'markdown', label: 'Markdown', highlight: 'Markdown' },
  { id: 'sql', label: 'SQL', highlight: 'SQL' },
];

/** Longer than any id of ours: what another client stored is shown, but never a wall of text. */
const MAX_ID_LENGTH = 40;

/**
 * The language the document asks for. `meta.language` is written by any client, so anything
 * that is not a short string falls back to the default; an id we do not list is kept (another
 * client may know it) and shown under its own name.
 */
export function languageFromMeta(value: unknown): string {
  if (typeof value !== 'string') return DEFAULT_LANGUAGE;
  const id = value.trim().toLowerCase();
  return id.length > 0 && id.length <= MAX_ID_LENGTH ? id : DEFAULT_LANGUAGE;
}

/** The picker's entry for an id: ours, or one made up for an id another client stored. */
export function languageOption(id: string): LanguageOption {
  return LANGUAGES.find((language) => language.id === id) ?? { id, label: id, highlight: id };
}
