-- What pandoc's Typst writer leaves unescaped, and typst would read as markup.
--
-- At the start of a content block (a footnote, a link's text, a table cell, a caption,
-- a title, a list item: `[- x]`), pandoc 3.9 leaves a `/ ` (a term list, on which
-- typst then fails: "expected colon"), a `- ` (a bullet list), a `+ ` or `1. ` (a
-- numbered list) and a `= ` (a heading) as they are; it escapes them only at the
-- start of a line. A
-- lone `-`, `+` or `=`, and a word that starts with `/`, are escaped wherever they
-- are: pandoc rewraps the lines, and `/` it escapes nowhere. Typst shows `\-` as `-`.

local LONE_MARKS = { ["-"] = true, ["+"] = true, ["="] = true }

local function escaped_first(text)
  return pandoc.Inlines({ pandoc.RawInline("typst", "\\" .. text:sub(1, 1)),
                          pandoc.Str(text:sub(2)) })
end

function Str(str)
  local text = str.text
  if LONE_MARKS[text] then
    return pandoc.RawInline("typst", "\\" .. text)
  end
  if text:sub(1, 1) == "/" then
    return escaped_first(text)
  end
end

-- A number and a full stop first in a content block (a table cell, a note, a link's
-- text: `[1. Foo]`) is a numbered list item in typst: a note's text went below its
-- number, a link's text onto a line of its own. pandoc escapes it only at the start
-- of a line. The full stop is escaped: typst shows `1\.` as `1.`.
local function number_and_stop(str)
  return str.t == "Str" and str.text:match("^(%d+)%.$")
end

function Inlines(inlines)
  local number = inlines[1] and number_and_stop(inlines[1])
  local next = inlines[2]
  if number and (next == nil or next.t == "Space" or next.t == "SoftBreak") then
    inlines:remove(1)
    inlines:insert(1, pandoc.RawInline("typst", "\\."))
    inlines:insert(1, pandoc.Str(number))
    return inlines
  end
end

-- Fields given with --metadata are strings, not text: the title, the meeting, ...
-- one that starts `- `, `+ `, `= `, `/` or `1. ` is a list or a heading in Typst.
local function escaped_field(value)
  local first = value:sub(1, 1)
  if first == "/" or (LONE_MARKS[first] and value:sub(2, 2):match("^%s?$")) then
    return escaped_first(value)
  end
  local number, rest = value:match("^(%d+)%.(.*)$")
  if number and (rest == "" or rest:match("^%s")) then
    return pandoc.Inlines({ pandoc.Str(number), pandoc.RawInline("typst", "\\."),
                            pandoc.Str(rest) })
  end
end

function Meta(meta)
  for key, value in pairs(meta) do
    if type(value) == "string" then
      local escaped = escaped_field(value)
      if escaped then
        meta[key] = pandoc.MetaInlines(escaped)
      end
    end
  end
  return meta
end
