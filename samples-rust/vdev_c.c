// SPDX-License-Identifier: GPL-2.0
/*
 * vdev_c: the C twin of the Rust sample vdev (rust_vdev.rs), kept only as the
 * baseline that scripts/bench measures vdev against.
 *
 * It keeps vdev's contract and does the same work in the same order, so that
 * the benchmark compares languages and abstractions, not algorithms: the
 * devices are /dev/vdevc0 and up, each a buffer that grows as a Rust KVVec
 * grows (to at least twice its size, with kvrealloc), behind a mutex that
 * every read, write and lseek takes. Reads and writes are read_iter and
 * write_iter, as vdev's are. A write makes room for what fits (zeros past the
 * old end), copies the user's bytes straight into the device, and gives back
 * the room it did not write to, so that a fault or a failed allocation leaves
 * the device as it was.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uio.h>

#define VDEV_C_MAX_DEVICES 64
#define VDEV_C_MAX_CAPACITY (16UL << 20)

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "Number of devices, /dev/vdevc0 and up (1 to 64)");

static unsigned long capacity = 1048576;
module_param(capacity, ulong, 0444);
MODULE_PARM_DESC(capacity, "Bytes each device can hold (1 to 16777216)");

struct vdev_c {
	struct miscdevice misc;
	char name[16];
	/* The lock makes each read, write and lseek happen as a whole. */
	struct mutex lock;
	u8 *data;
	size_t len;
	size_t alloc;
};

static struct vdev_c *vdev_c_devices;
static unsigned int vdev_c_registered;

static struct vdev_c *vdev_c_of(struct file *file)
{
	return container_of(file->private_data, struct vdev_c, misc);
}

static int vdev_c_open(struct inode *inode, struct file *file)
{
	struct vdev_c *dev = vdev_c_of(file);

	if (file->f_flags & O_TRUNC) {
		mutex_lock(&dev->lock);
		kvfree(dev->data);
		dev->data = NULL;
		dev->len = 0;
		dev->alloc = 0;
		mutex_unlock(&dev->lock);
	}
	pr_debug("%s: opened\n", dev->name);
	return 0;
}

static ssize_t vdev_c_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vdev_c *dev = vdev_c_of(iocb->ki_filp);
	size_t start, count;
	ssize_t ret;

	mutex_lock(&dev->lock);
	start = iocb->ki_pos;
	if (start >= dev->len || !iov_iter_count(to)) {
		ret = 0;
		goto out;
	}
	count = copy_to_iter(dev->data + start, dev->len - start, to);
	if (!count) {
		ret = -EFAULT;
		goto out;
	}
	iocb->ki_pos = start + count;
	ret = count;
	pr_debug("%s: read %zu bytes at %zu\n", dev->name, count, start);
out:
	mutex_unlock(&dev->lock);
	return ret;
}

/*
 * Makes room for @end bytes, doubling as KVVec::reserve does, but never
 * allocating more than the capacity, as rust_vdev's grow() does.
 */
static int vdev_c_reserve(struct vdev_c *dev, size_t end)
{
	size_t alloc;
	u8 *data;

	if (end <= dev->alloc)
		return 0;
	alloc = min_t(size_t, max(dev->alloc * 2, end), capacity);
	data = kvrealloc(dev->data, alloc, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	dev->data = data;
	dev->alloc = alloc;
	return 0;
}

static ssize_t vdev_c_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vdev_c *dev = vdev_c_of(iocb->ki_filp);
	size_t start, fits, len, count;
	ssize_t ret;

	if (!iov_iter_count(from))
		return 0;
	mutex_lock(&dev->lock);
	start = iocb->ki_flags & IOCB_APPEND ? dev->len : iocb->ki_pos;
	if (start >= capacity) {
		ret = -ENOSPC;
		goto out;
	}
	/* Make room for what fits, zeros past the old end. */
	len = dev->len;
	fits = min(iov_iter_count(from), capacity - start);
	if (start + fits > len) {
		ret = vdev_c_reserve(dev, start + fits);
		if (ret)
			goto out;
		memset(dev->data + len, 0, start + fits - len);
		dev->len = start + fits;
	}
	count = copy_from_iter(dev->data + start, fits, from);
	/* Not a byte copied: the device as it was, without the hole. */
	if (!count) {
		dev->len = len;
		ret = -EFAULT;
		goto out;
	}
	/* Give back the room that was not written to. */
	dev->len = max(len, start + count);
	iocb->ki_pos = start + count;
	ret = count;
	pr_debug("%s: wrote %zu bytes at %zu\n", dev->name, count, start);
out:
	mutex_unlock(&dev->lock);
	return ret;
}

static loff_t vdev_c_llseek(struct file *file, loff_t offset, int whence)
{
	struct vdev_c *dev = vdev_c_of(file);
	loff_t base, pos;

	/* Only SEEK_END needs the size, and only it takes the lock. */
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = file->f_pos;
		break;
	case SEEK_END:
		mutex_lock(&dev->lock);
		base = dev->len;
		mutex_unlock(&dev->lock);
		break;
	default:
		return -EINVAL;
	}
	if (check_add_overflow(base, offset, &pos) || pos < 0)
		return -EINVAL;
	return vfs_setpos(file, pos, LLONG_MAX);
}

static const struct file_operations vdev_c_fops = {
	.owner = THIS_MODULE,
	.open = vdev_c_open,
	.read_iter = vdev_c_read_iter,
	.write_iter = vdev_c_write_iter,
	.llseek = vdev_c_llseek,
};

static void vdev_c_remove(void)
{
	while (vdev_c_registered) {
		struct vdev_c *dev = &vdev_c_devices[--vdev_c_registered];

		misc_deregister(&dev->misc);
		mutex_destroy(&dev->lock);
		kvfree(dev->data);
	}
	kfree(vdev_c_devices);
}

static int __init vdev_c_init(void)
{
	unsigned int i;
	int ret;

	if (devices < 1 || devices > VDEV_C_MAX_DEVICES) {
		pr_err("devices=%u is out of range: it must be from 1 to %u\n",
		       devices, VDEV_C_MAX_DEVICES);
		return -EINVAL;
	}
	if (capacity < 1 || capacity > VDEV_C_MAX_CAPACITY) {
		pr_err("capacity=%lu is out of range: it must be from 1 to %lu\n",
		       capacity, VDEV_C_MAX_CAPACITY);
		return -EINVAL;
	}
	vdev_c_devices = kcalloc(devices, sizeof(*vdev_c_devices), GFP_KERNEL);
	if (!vdev_c_devices)
		return -ENOMEM;
	for (i = 0; i < devices; i++) {
		struct vdev_c *dev = &vdev_c_devices[i];

		mutex_init(&dev->lock);
		snprintf(dev->name, sizeof(dev->name), "vdevc%u", i);
		dev->misc.minor = MISC_DYNAMIC_MINOR;
		dev->misc.name = dev->name;
		dev->misc.fops = &vdev_c_fops;
		ret = misc_register(&dev->misc);
		if (ret) {
			mutex_destroy(&dev->lock);
			vdev_c_remove();
			return ret;
		}
		vdev_c_registered++;
	}
	if (devices == 1)
		pr_info("1 device of %lu bytes: /dev/vdevc0\n", capacity);
	else
		pr_info("%u devices of %lu bytes: /dev/vdevc0 to /dev/vdevc%u\n",
			devices, capacity, devices - 1);
	return 0;
}

static void __exit vdev_c_exit(void)
{
	unsigned int count = vdev_c_registered;

	vdev_c_remove();
	pr_info("unloaded: %u device%s removed\n", count, count == 1 ? "" : "s");
}

module_init(vdev_c_init);
module_exit(vdev_c_exit);

MODULE_AUTHOR("Rust for Linux workshop");
MODULE_DESCRIPTION("The C twin of vdev, a baseline for benchmarks");
MODULE_LICENSE("GPL");
