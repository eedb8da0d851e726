// SPDX-License-Identifier: GPL-2.0-only
/*
 * mdev-sdk helper layer: module metadata.
 *
 * The module has no state of its own: everything belongs to the drivers,
 * parents and devices built on it, whose modules keep it loaded through
 * their symbol references.
 */
#include <linux/module.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mdev-sdk helper layer for mediated device drivers");
