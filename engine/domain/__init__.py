"""Pure domain rules: standard library only; `now` is always passed in."""
