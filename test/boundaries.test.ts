/**
 * The import boundaries `npm run lint` keeps (eslint.config.js, docs/architecture.md
 * "Boundaries"): each rule is run on code that crosses it, at the path where it would live, and
 * on code that keeps to it.
 */
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/** The project's own rules, read from eslint.config.js (plain JavaScript, without types). */
const configFile: string = '../eslint.config.js';
const { boundaries } = (await import(configFile)) as {
  boundaries: Linter.Config[];
};
const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.{ts,tsx}'], languageOptions: { parser: tseslint.parser } },
    ...boundaries,
  ],
});

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the boundaries npm run lint keeps', () => {
  it('the core names no feature', async () => {
    expect(
      await problems(
        'src/server/core/RoomService.ts',
        "import { ChatService } from '../chat/ChatService.js';\nvoid ChatService;\n",
      ),
    ).toEqual([expect.stringContaining('The core names no feature')]);
    expect(
      await problems(
        'src/server/transport/catchUp.ts',
        "import { messageView } from '../core/presenters.js';\nvoid messageView;\n",
      ),
    ).toEqual([]);
  });

  it("a feature imports no other feature's files, but the core and its own", async () => {
    expect(
      await problems(
        'src/server/files/FileService.ts',
        "import { ChatService } from '../chat/ChatService.js';\nvoid ChatService;\n",
      ),
    ).toEqual([expect.stringContaining("files may not import another feature's files")]);
    expect(
      await problems(
        'src/server/exec/sandbox/bwrapArgs.ts',
        "import { fileView } from '../../files/presenters.js';\nvoid fileView;\n",
      ),
    ).toEqual([expect.stringContaining("exec may not import another feature's files")]);
    expect(
      await problems(
        'src/server/files/FileService.ts',
        "import { AppError } from '../core/AppError.js';\nimport { fileView } from './presenters.js';\nvoid AppError; void fileView;\n",
      ),
    ).toEqual([]);
  });

  it('the web client imports nothing of the server', async () => {
    expect(
      await problems(
        'src/web/features/chat/useChat.ts',
        "import { ChatService } from '../../../server/chat/ChatService.js';\nvoid ChatService;\n",
      ),
    ).toEqual([expect.stringContaining('imports only src/protocol')]);
    expect(
      await problems(
        'src/web/features/chat/useChat.ts',
        "import type { Message } from '../../../protocol/schemas.js';\nexport type M = Message;\n",
      ),
    ).toEqual([]);
  });

  it('only outbound/ opens outbound HTTP connections', async () => {
    for (const code of [
      "import { request } from 'node:https';\nvoid request;\n",
      "import { fetch as get } from 'undici';\nvoid get;\n",
      "export const load = () => fetch('http://169.254.169.254/');\n",
    ]) {
      // The configured endpoints (Piston, Janus) too: they are the door's trusted destinations.
      for (const path of [
        'src/server/files/FileService.ts',
        'src/server/exec/piston/PistonDriver.ts',
        'src/server/calls/janus/JanusClient.ts',
      ]) {
        expect(await problems(path, code), path).toEqual([
          expect.stringContaining('Outbound HTTP goes through src/server/outbound/'),
        ]);
      }
      expect(await problems('src/server/outbound/Outbound.ts', code)).toEqual([]);
    }
  });
});
