-- What pandoc's Typst writer leaves unescaped, and typst would read as markup.
--
-- A `/` and a space at the start of a line, or of a content block (a footnote, a
-- link's text, a table cell, a title: `[/ x]`), open a term list in Typst, which
-- then fails ("expected colon"). pandoc 3.9 escapes `=`, `-`, `+`, `#`, `@`, `$` and
-- numbers there, not `/`. A word that starts with `/` is given an escaped slash,
-- wherever it is: pandoc rewraps the lines, so any word may start one. Typst shows
-- `\/` as `/`.

local function escaped(text)
  return pandoc.Inlines({ pandoc.RawInline("typst", "\\/"), pandoc.Str(text:sub(2)) })
end

function Str(str)
  if str.text:sub(1, 1) == "/" then
    return escaped(str.text)
  end
end

-- Fields given with --metadata are strings, not text: the title, the meeting, ...
function Meta(meta)
  for key, value in pairs(meta) do
    if type(value) == "string" and value:sub(1, 1) == "/" then
      meta[key] = pandoc.MetaInlines(escaped(value))
    end
  end
  return meta
end
