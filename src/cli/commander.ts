/**
 * commander, loaded through require: its ESM entry wraps the CommonJS one,
 * and importing that makes Node scan commander's source for named exports
 * (cjs-module-lexer) on every start of the CLI. Same classes, less start-up.
 */
import { createRequire } from 'node:module';

const commander = createRequire(import.meta.url)('commander') as typeof import('commander');

export const { Command, Option, CommanderError } = commander;
export type Command = import('commander').Command;
export type Option = import('commander').Option;
export type CommanderError = import('commander').CommanderError;
