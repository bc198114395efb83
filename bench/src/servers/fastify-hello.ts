// Ceiling: Fastify (the services' framework, ADR 0009) answering a small JSON body, GET and POST.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.post('/', async (req, reply) => reply.code(201).send({ hello: 'world', got: req.body }));
void app
  .listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
  .then(() => process.stdout.write('listening\n'));
