-- Neovim (0.7+) as a headless LSP client of copyscope-language-server --stdio.
-- 0.7 has no vim.lsp.start, so this uses vim.lsp.start_client and
-- buf_attach_client. Checks, each printed as "ok"/"FAIL" and counted:
-- diagnostics (rule code, source, positions), hover, the quick fix edit and
-- its effect, "Disable ... for this line", and for a rule fixture the same
-- findings as `copyscope lint` reports. Ends with "N passed, M failed" and
-- exits 1 on any failure. Env: COPYSCOPE_SERVER = path of dist/server.js.
local passed, failed = 0, 0
local function say(s) io.stdout:write(s .. '\n') end
local function check(name, ok, detail)
  if ok then passed = passed + 1; say('ok   nvim: ' .. name)
  else failed = failed + 1; say('FAIL nvim: ' .. name .. (detail and (' -- ' .. vim.inspect(detail)) or '')) end
  return ok
end
local function finish()
  say(string.format('%d passed, %d failed', passed, failed))
  vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
end

local RULE = 'copy/overlapping-memcpy'
local server = os.getenv('COPYSCOPE_SERVER')
local bufnr = vim.api.nvim_get_current_buf()
local started = vim.loop.hrtime()
local client_id = vim.lsp.start_client({
  name = 'copyscope',
  cmd = { 'node', server, '--stdio' },
  root_dir = vim.fn.getcwd(),
  flags = { debounce_text_changes = 0 },
})
if not check('server starts', client_id ~= nil) then return finish() end
vim.lsp.buf_attach_client(bufnr, client_id)
local client = vim.lsp.get_client_by_id(client_id)

local function ours()
  return vim.tbl_filter(function(d) return d.source == 'copyscope' end, vim.diagnostic.get(bufnr))
end
local function wait_count(n)
  return vim.wait(15000, function() return #ours() == n end, 20)
end

-- 1. Diagnostics for the two overlapping copies.
local got = wait_count(2)
say(string.format('first diagnostics after %d ms', (vim.loop.hrtime() - started) / 1e6))
check('two diagnostics arrive', got, ours())
local diags = ours()
table.sort(diags, function(a, b) return a.lnum < b.lnum end)
check('diagnostic fields: rule code, source, line, column, severity',
  #diags == 2 and diags[1].code == RULE and diags[1].lnum == 4 and diags[1].col == 4
  and diags[2].lnum == 9 and diags[1].severity == vim.diagnostic.severity.ERROR
  and diags[1].message:find("overlapping regions of 'buf'", 1, true) ~= nil, diags)

-- 2. Hover on the first one.
local hover = client.request_sync('textDocument/hover', {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = 4, character = 6 },
}, 5000, bufnr)
local value = hover and hover.result and hover.result.contents and hover.result.contents.value or ''
check('hover names the rule and links its documentation',
  value:find(RULE, 1, true) ~= nil and value:find('docs/rules/copy/overlapping-memcpy.md', 1, true) ~= nil, value)

local function actions_at(line, col)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = line, character = col }, ['end'] = { line = line, character = col } },
    context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, line) },
  }
  local resp = client.request_sync('textDocument/codeAction', params, 5000, bufnr)
  return resp and resp.result or {}
end
local function find_action(actions, title)
  for _, a in ipairs(actions) do if a.title == title then return a end end
end

-- 3. The quick fix renames memcpy to memmove; the server re-checks the new text.
local actions = actions_at(4, 4)
local fix = find_action(actions, "Replace 'memcpy' with 'memmove'")
check('quick fix offered and preferred', fix ~= nil and fix.isPreferred == true,
  vim.tbl_map(function(a) return a.title end, actions))
if fix then
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding or 'utf-16')
  check('quick fix edits the buffer',
    vim.api.nvim_buf_get_lines(bufnr, 4, 5, false)[1] == '    memmove(buf, buf + 1, n - 1);',
    vim.api.nvim_buf_get_lines(bufnr, 4, 5, false))
  check('fixed finding disappears, the other stays', wait_count(1) and ours()[1].lnum == 9, ours())
end

-- 4. "Disable ... for this line" on the remaining one.
local disable = find_action(actions_at(9, 4), 'Disable ' .. RULE .. ' for this line')
check('disable-for-line offered', disable ~= nil)
if disable then
  vim.lsp.util.apply_workspace_edit(disable.edit, client.offset_encoding or 'utf-16')
  check('directive inserted with the line\'s indentation',
    vim.api.nvim_buf_get_lines(bufnr, 9, 10, false)[1] == '    // copyscope-disable-next-line ' .. RULE,
    vim.api.nvim_buf_get_lines(bufnr, 8, 11, false))
  check('disabled finding disappears', wait_count(0), ours())
end

-- 5. A rule fixture: the same findings as `copyscope lint` reports for it.
local f = io.open('expected.json', 'r')
local expected = f and vim.fn.json_decode(f:read('*a')) or nil
if f then f:close() end
if check('CLI findings for the fixture are available', expected and expected.files and expected.files[1] ~= nil) then
  vim.cmd('edit fixture.c')
  local fixture = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(fixture, client_id)
  local want = {}
  for _, x in ipairs(expected.files[1].findings) do
    table.insert(want, string.format('%d:%d %s %s', x.line - 1, x.column - 1, x.ruleId, x.message))
  end
  table.sort(want)
  local function got()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(fixture)) do
      if d.source == 'copyscope' and d.code ~= 'copyscope/unused-directive' then
        table.insert(out, string.format('%d:%d %s %s', d.lnum, d.col, d.code, d.message))
      end
    end
    table.sort(out)
    return out
  end
  vim.wait(15000, function() return #got() == #want end, 20)
  check(string.format('fixture diagnostics equal the CLI findings (%d)', #want),
    #want > 0 and vim.deep_equal(got(), want), { got = got(), want = want })
end

vim.lsp.stop_client(client_id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 20)
finish()
