/** The errors of backups and restores (their own file: the CLI and the control socket import them without the archive code). */

/** The archive cannot be used: not ours, damaged, truncated, or from a newer format or build. (CLI: exit 2.) */
export class BackupArchiveError extends Error {
  override name = 'BackupArchiveError';
}

/** Anything else that stops a backup or a restore: a non-empty target, pg_dump missing, a file that exists … (CLI: exit 1.) */
export class BackupError extends Error {
  override name = 'BackupError';
}
