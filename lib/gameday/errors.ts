/**
 * A problem with what the user gave the game-day command (a path, a stack name, a scenario):
 * the CLI prints the message on one line and exits with code 2.
 */
export class GamedayInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GamedayInputError';
  }
}
