// Placeholder page: replaced by its real implementation.
import { h } from '../js/dom.js';

export const title = 'Endpoints';

export async function render(view) {
  view.append(h('h1', {}, 'Endpoints'));
}
