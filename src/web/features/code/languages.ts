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

/**
 * A short runnable program per language, that a document starts from when it is empty. Each
 * prints a line and reads one from the input, so Run shows what the Input box is for.
 */
const EXAMPLES: Readonly<Record<string, string>> = {
  javascript: 'const name = readline() ?? "world";\nconsole.log(`Hello, ${name}!`);\n',
  typescript:
    'const greet = (name: string): string => `Hello, ${name}!`;\nconsole.log(greet(readline() ?? "world"));\n',
  python:
    'import sys\n\nname = sys.stdin.readline().strip() or "world"\nprint(f"Hello, {name}!")\n',
  bash: 'read -r name\necho "Hello, ${name:-world}!"\n',
  c: '#include <stdio.h>\n\nint main(void) {\n    char name[64] = "world";\n    scanf("%63s", name);\n    printf("Hello, %s!\\n", name);\n    return 0;\n}\n',
  cpp: '#include <iostream>\n#include <string>\n\nint main() {\n    std::string name;\n    if (!(std::cin >> name)) name = "world";\n    std::cout << "Hello, " << name << "!\\n";\n}\n',
};

/** The example a document in this language starts from, if there is one. */
export function exampleFor(id: string): string | undefined {
  return EXAMPLES[id];
}

/**
 * What the document should hold after switching to `next`: the new language's example when
 * the document is empty or still holds another language's example untouched; otherwise null
 * (keep what someone wrote).
 */
export function codeAfterSwitch(current: string, next: string): string | null {
  const untouched = current.trim() === '' || Object.values(EXAMPLES).includes(current);
  if (!untouched) return null;
  return exampleFor(next) ?? (current.trim() === '' ? null : '');
}
