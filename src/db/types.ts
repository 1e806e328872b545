// Row types of every table, as Kysely sees them.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export type Role = 'user' | 'admin'

export interface UsersTable {
  uid: Generated<string>
  username: string
  first_name: string
  last_name: string
  email: string
  password_hash: string
  role: ColumnType<Role, Role | undefined, Role>
  is_verified: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Timestamp
}

export interface Database {
  users: UsersTable
  sessions: SessionsTable
}

export type User = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>

export interface SessionsTable {
  id: string
  user_uid: string | null
  created_at: Generated<Date>
  last_used_at: Generated<Date>
  expires_at: Date
  revoked_at: Date | null
  revoked_reason: string | null
  user_agent: string | null
  ip: string | null
  refresh_jti: string
  access_jti: string
  issued_at: Date
  previous_refresh_jti: string | null
  rotated_at: Date | null
}

export type Session = Selectable<SessionsTable>
