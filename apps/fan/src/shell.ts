import { ApiError } from './api/client';
import { alertUser } from './dom';

/** Whatever the current view keeps running (a stream, a countdown, a refresh): stopped on leaving. */
let stopView: () => void = () => {};
/** Where a fan whose sign-in or queue place expired starts again. */
let home: () => Promise<void> = async () => {};

export function setHome(view: () => Promise<void>): void {
  home = view;
}

/** Leaves the current view: its stream, timers and messages go with it. */
export function leaveView(): void {
  stopView();
  stopView = () => {};
  alertUser('');
}

/** What stops with the current view. */
export function whileInView(stop: () => void): void {
  stopView = stop;
}

/** Runs a step; a failure the fan can act on is said, the rest is a plain apology. */
export function run(step: () => unknown): void {
  Promise.resolve()
    .then(step)
    .catch((err: unknown): unknown => {
      if (err instanceof ApiError && err.status === 401 && err.code === 'TOKEN_INVALID')
        return backTo(home, 'Your sign-in or queue place has expired. Please start again.');
      return alertUser(
        err instanceof ApiError
          ? `Something went wrong: ${err.message}`
          : 'The ticket service cannot be reached. Check your connection and try again.',
      );
    });
}

/** Another view, then a message about why the fan is there (leaving a view clears messages). */
export function backTo(view: () => Promise<void>, message: string): Promise<void> {
  return view().then(
    () => alertUser(message),
    () => alertUser(message),
  );
}
