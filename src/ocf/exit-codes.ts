/**
 * OCF Resource Agent API 1.1 exit codes, with their OCF names, plus the
 * degraded codes 190/191 of the 1.1 spec.
 */
export const OcfExit = {
  SUCCESS: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
  DEGRADED: 190,
  DEGRADED_PROMOTED: 191,
} as const;

export type OcfExitCode = (typeof OcfExit)[keyof typeof OcfExit];

const namesByCode = new Map<number, string>([
  [0, 'OCF_SUCCESS'],
  [1, 'OCF_ERR_GENERIC'],
  [2, 'OCF_ERR_ARGS'],
  [3, 'OCF_ERR_UNIMPLEMENTED'],
  [4, 'OCF_ERR_PERM'],
  [5, 'OCF_ERR_INSTALLED'],
  [6, 'OCF_ERR_CONFIGURED'],
  [7, 'OCF_NOT_RUNNING'],
  [8, 'OCF_RUNNING_MASTER'],
  [9, 'OCF_FAILED_MASTER'],
  [190, 'OCF_DEGRADED'],
  [191, 'OCF_DEGRADED_MASTER'],
]);

/** The OCF name of an exit code (`OCF_NOT_RUNNING`), or `unknown(N)`. */
export function ocfExitName(code: number): string {
  return namesByCode.get(code) ?? `unknown(${code})`;
}

/** True for a code the OCF 1.1 spec defines. */
export function isOcfExitCode(code: number): code is OcfExitCode {
  return namesByCode.has(code);
}
