// Ceiling: express answering a small JSON body, GET and POST (with JSON body parsing).
import express from 'express';

const app = express();
app.use(express.json());
app.get('/', (_req, res) => void res.json({ hello: 'world' }));
app.post(
  '/',
  (req, res) => void res.status(201).json({ hello: 'world', got: req.body as unknown }),
);
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
