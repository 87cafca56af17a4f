// examples/reveal/deck.mjs — starts the reveal.js deck. Nothing else is needed for the
// <headscope-view> elements on its slides: each draws when its slide is shown (an
// element on a slide reveal.js keeps at display: none waits until it has a box) and
// redraws when reveal.js rescales the slides to the window (its canvases follow the
// slide's scale, so they stay sharp). window.deck is the deck, for the tests.
import Reveal from './node_modules/reveal.js/dist/reveal.mjs';

const deck = new Reveal(document.querySelector('.reveal'), {
  hash: true,
  width: 1024,
  height: 768,
  margin: 0.04,
  transition: 'none',
});
window.deck = deck;
deck.initialize();
