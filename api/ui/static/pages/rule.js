// Placeholder page: replaced by its real implementation.
import { h } from '../js/dom.js';

export const title = 'Rule';

export async function render(view) {
  view.append(h('h1', {}, 'Rule'));
}
