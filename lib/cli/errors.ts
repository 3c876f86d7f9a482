/**
 * A failure the command reports as one line on stderr and an exit status: 2 for bad usage
 * (wrong arguments, missing input folder), 1 for anything else.
 */
export class CliError extends Error {
  /**
   * @param exitCode the process exit status
   * @param message what went wrong and what to do about it
   */
  constructor(
    public readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
