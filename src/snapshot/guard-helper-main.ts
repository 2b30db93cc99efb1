// The guard's helper process as the package starts it: node guard-helper-main.js ROOT.
import { runGuardHelper } from './guard-helper.js';

runGuardHelper(process.argv[2] ?? '/proc');
