/** The few DOM helpers the page's modules share: find an element the page must have, make one with text. */

/** The element with this id, or an error naming it (the page's markup and script disagree). */
export const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

/** Creates an element with a class and text (never parsed as HTML). */
export const make = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] => {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
};
