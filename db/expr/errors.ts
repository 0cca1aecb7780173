// Errors of the expression language. `message` names the offending token and where it starts;
// `arkimeMessage` is the text Arkime's viewer returns for the same mistake (API compatibility).

export class ExpressionError extends Error {
  /** The offending token (or value) as written. */
  readonly token: string;
  /** 0-based character offset of the token in the expression. */
  readonly position: number;
  /** Arkime's wording of the error, without position. */
  readonly arkimeMessage: string;

  constructor(message: string, token: string, position: number, arkimeMessage?: string) {
    super(`${message} at position ${position}`);
    this.name = 'ExpressionError';
    this.token = token;
    this.position = position;
    this.arkimeMessage = arkimeMessage ?? message;
  }
}

/** An error about a value or field, worded as Arkime words it; the position is added. */
export function valueError(arkimeMessage: string, token: string, position: number): ExpressionError {
  return new ExpressionError(arkimeMessage, token, position, arkimeMessage);
}
