/**
 * An error a person caused and can fix: bad input, an unknown id. Its message
 * is shown to them as it is, so it must say what to change. Anything else that
 * is thrown is a fault of ours: logged in full and shown as a bare 500.
 */
export class UserError extends Error {
  override name = 'UserError';

  constructor(
    message: string,
    readonly statusCode: number = 400,
    /** The input field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}
