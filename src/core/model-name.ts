/**
 * What a model loadable by name may be called: the folder names a store root lists as models
 * (staging `.staging-*` and other dot or underscore folders are not models), short enough for any
 * store's path limits. Models configured at start-up keep whatever name their config gives them.
 */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MODEL_NAME_MAX_CHARS = 128;

export const MODEL_NAME_RULE = `letters, digits, '.', '_' or '-', starting with a letter or digit, at most ${MODEL_NAME_MAX_CHARS} characters`;

export function isLoadableModelName(name: string): boolean {
  return name.length <= MODEL_NAME_MAX_CHARS && MODEL_NAME_PATTERN.test(name);
}
