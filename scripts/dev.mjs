// Development: the server with reload (tsx watch) and Vite's dev server for the web client,
// which proxies /api, /socket.io and /collab to the server.
import { spawn } from 'node:child_process';

const run = (command, args) => spawn(command, args, { stdio: 'inherit', shell: false });
const children = [
  run('npx', ['tsx', 'watch', 'src/server/main.ts']),
  run('npx', ['vite', '--config', 'vite.config.ts']),
];
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', stop);
