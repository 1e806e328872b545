// What the health checks answer when all is well.
import { Type } from '@sinclair/typebox'

export const HealthOk = Type.Object({ status: Type.Literal('ok') }, { $id: 'HealthOk', title: 'HealthOk', description: 'All is well' })
