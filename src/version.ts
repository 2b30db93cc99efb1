import { install } from './install.js';

export const VERSION: string = install.version;
