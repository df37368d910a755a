import { describeExecContract } from './execContract.js';
import { WasmDriver } from './WasmDriver.js';

describeExecContract('wasm', () => new WasmDriver(2));
