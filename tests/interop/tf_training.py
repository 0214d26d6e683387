"""One step of a Cerebras-style TF1 training run, for the tests and the committed
tests/data/tf-written fixtures (tf venv). A Cerebras run is a TF1 graph: variables with the
Cerebras GPT-J names, a global_step, tf.compat.v1.train.AdamOptimizer (slots <var>/Adam and
<var>/Adam_1, accumulators beta1_power/beta2_power) and a tf.compat.v1.train.Saver."""
import os

import tensorflow as tf

DTYPES = {"float32": tf.float32, "bfloat16": tf.bfloat16, "float16": tf.float16}


def train_and_save(start, dtype, shards, model_dir, steps=1, write_meta_graph=True):
    """Variables of `dtype` initialised from `start` ({name: float32 array}), spread over
    `shards` CPU devices (Saver(sharded=True) writes one .data file per device that holds
    variables), then `steps` times: one Adam step on a loss that touches every variable and a
    Saver.save with global_step, so the folder holds model.ckpt-1 ... model.ckpt-<steps> and a
    `checkpoint` file naming the last (with relative paths, as tf.estimator's saver writes
    them). Returns the last checkpoint prefix."""
    graph = tf.Graph()
    with graph.as_default():
        variables = []
        for k, (name, value) in enumerate(sorted(start.items())):
            scope, _, leaf = name.rpartition("/")
            with tf.device("/cpu:%d" % (k % shards)):
                with tf.compat.v1.variable_scope(scope):
                    variables.append(tf.compat.v1.get_variable(
                        leaf, initializer=tf.cast(tf.constant(value), DTYPES[dtype])))
        step = tf.compat.v1.train.get_or_create_global_step()
        loss = tf.add_n([tf.reduce_sum(tf.square(tf.cast(v, tf.float32))) for v in variables])
        train = tf.compat.v1.train.AdamOptimizer(1e-2).minimize(loss, global_step=step)
        saver = tf.compat.v1.train.Saver(sharded=shards > 1, save_relative_paths=True)
        config = tf.compat.v1.ConfigProto(device_count={"CPU": shards})
        with tf.compat.v1.Session(graph=graph, config=config) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            for _ in range(steps):
                sess.run(train)
                prefix = saver.save(sess, os.path.join(model_dir, "model.ckpt"),
                                    global_step=step, write_meta_graph=write_meta_graph)
            return prefix
