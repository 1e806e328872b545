// The password for a CLI command: typed twice without echo on a terminal, else the first line of stdin.
import type { Readable } from 'node:stream'
import { CliError } from './command.js'

const ENTER = new Set(['\r', '\n', '\u0004'])
const CTRL_C = '\u0003'
const BACKSPACE = new Set(['\u007f', '\b'])

function promptHidden (prompt: string): Promise<string> {
  const { stdin, stderr } = process
  stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (done: () => void) => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      stderr.write('\n')
      done()
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ENTER.has(ch)) return finish(() => resolve(value))
        if (ch === CTRL_C) return finish(() => reject(new CliError('cancelled')))
        value = BACKSPACE.has(ch) ? [...value].slice(0, -1).join('') : value + ch
      }
    }
    stdin.on('data', onData)
  })
}

async function firstLine (input: Readable): Promise<string> {
  let data = ''
  for await (const chunk of input) {
    data += String(chunk)
    if (data.includes('\n')) break
  }
  // Only the line ending goes: passwords are used exactly as given.
  return data.split(/\r?\n/)[0] ?? ''
}

// `input` is the process's stdin, or what a test pipes in.
export async function readPassword (input: Readable & { isTTY?: boolean } = process.stdin): Promise<string> {
  if (input.isTTY !== true) {
    const password = await firstLine(input)
    if (password === '') throw new CliError('no password on standard input')
    return password
  }
  const password = await promptHidden('Password: ')
  if (await promptHidden('Repeat password: ') !== password) throw new CliError('the passwords do not match')
  return password
}
