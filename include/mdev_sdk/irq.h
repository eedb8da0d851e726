/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mdev-sdk: interrupts.
 *
 * The SDK answers VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS for the
 * INTx, MSI, MSI-X, ERR and REQ indexes and keeps the eventfds. A driver
 * only ever says "interrupt now" with mdev_sdk_irq_raise(); the SDK routes
 * it to whatever the user enabled, and applies INTx masking.
 */
#ifndef MDEV_SDK_IRQ_H
#define MDEV_SDK_IRQ_H

#include <linux/types.h>

struct mdev_sdk_device;

int mdev_sdk_irq_raise(struct mdev_sdk_device *sdev, unsigned int vector);
int mdev_sdk_irq_raise_err(struct mdev_sdk_device *sdev);

#endif /* MDEV_SDK_IRQ_H */
